import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rasteriseRoi, readRtStruct, writeCtPhantom, writeRtStruct, type RtStructWriteInput, type SegTargetGrid, type WrittenCtPhantom } from '@delineate/formats';
import { dciodvfyAvailable, runDciodvfy } from '../dicom/dciodvfy';
import { requireTestData } from '../testdata';
import { readMetaImage } from './metaimage';
import { plastimatchAvailable, runPlastimatch } from './plastimatch';
import { phantomStructureSet, rtPhantomOptions } from './rtstruct-fixture';

function dice(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let both = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = (a[i] ?? 0) > 0, y = (b[i] ?? 0) > 0;
    if (x) na++;
    if (y) nb++;
    if (x && y) both++;
  }
  return (2 * both) / (na + nb);
}

function gridOfInput(input: RtStructWriteInput): SegTargetGrid {
  const { source } = input;
  return { rows: source.rows, columns: source.columns, pixelSpacing: source.pixelSpacing, orientation: source.orientation, positions: source.slices.map((s) => s.position) };
}

function roiMask(input: RtStructWriteInput, values: readonly number[]): Uint8Array {
  return Uint8Array.from(input.labels, (v) => (values.includes(v) ? 1 : 0));
}

describe('RT Structure Set export and import', () => {
  let folder = '';
  let phantom: WrittenCtPhantom;
  let input: RtStructWriteInput;
  let path = '';
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'delineate-rtstruct-'));
    phantom = await writeCtPhantom(join(folder, 'ct'), rtPhantomOptions);
    input = phantomStructureSet(phantom);
    path = join(folder, 'rtstruct.dcm');
    await writeFile(path, writeRtStruct(input));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('round-trips every ROI at Dice ≥ 0.99 (export, read, rasterise on the series grid), holes and nesting kept', async () => {
    const read = readRtStruct(await readFile(path));
    expect(read.referencedSeriesUids).toEqual([phantom.uids.series]);
    expect(read.rois.map((r) => [r.name, r.interpretedType, r.concept?.value])).toEqual([
      ['Liver', 'ORGAN', '10200004'],
      ['GTV', 'GTV', '130052'],
      ['CTV', 'CTV', '228792002'],
    ]);
    for (const roi of input.rois) {
      const original = roiMask(input, roi.values);
      const found = read.rois.find((r) => r.number === roi.number);
      if (!found) throw new Error(`ROI ${roi.number} missing`);
      expect(original.some((v) => v === 1)).toBe(true);
      expect(dice(rasteriseRoi(found, gridOfInput(input)), original), roi.name).toBeGreaterThanOrEqual(0.99);
    }
    // The liver has a hole where the lesion is: some slice has more than one liver contour.
    const liver = read.rois.find((r) => r.name === 'Liver');
    const zs = liver?.contours.map((c) => c.points[2]) ?? [];
    expect(new Set(zs).size).toBeLessThan(zs.length);
  });

  it.skipIf(!dciodvfyAvailable())('passes dciodvfy as an RT Structure Set with no errors or warnings', () => {
    const report = runDciodvfy(path);
    expect(report.iod, report.output).toBe('RTStructureSet');
    expect(report.errors, report.output).toEqual([]);
    expect(report.warnings, report.output).toEqual([]);
  });

  it.skipIf(!plastimatchAvailable())('is rasterised by plastimatch convert (with the referenced CT) at Dice ≥ 0.99 against our masks', async () => {
    const out = join(folder, 'plastimatch');
    // --xor-contours: plastimatch ORs the contours of a slice by default, which fills holes; the
    // even-odd rule (a contour inside another is a hole, as our import reads it) is its XOR mode.
    runPlastimatch(['convert', '--input', path, '--referenced-ct', join(folder, 'ct'), '--output-prefix', out, '--xor-contours']);
    for (const roi of input.rois) {
      const theirs = readMetaImage(await readFile(join(out, `${roi.name}.mha`)));
      expect(theirs.dims).toEqual([...phantom.dims]);
      expect(dice(theirs.values, roiMask(input, roi.values)), roi.name).toBeGreaterThanOrEqual(0.99);
    }
  });

  it('refuses a file that is not an RT Structure Set', () => {
    const ct = requireTestData('dicom/pydicom/CT_small.dcm');
    return readFile(ct).then((bytes) => expect(() => readRtStruct(bytes)).toThrow(expect.objectContaining({ code: 'DLN_RTSTRUCT_INVALID' })));
  });
});

describe('the shared RT Structure Set (pydicom rtstruct.dcm)', () => {
  it('reads its ROIs and rasterises the body outline on a grid built from its referenced geometry', async () => {
    const read = readRtStruct(await readFile(requireTestData('dicom/pydicom/rtstruct.dcm')));
    expect(read.referencedSeriesUids).toEqual(['1.2.826.0.1.3680043.8.498.2010020400001.2.1.1']);
    expect(read.rois.map((r) => [r.name, r.interpretedType, r.contours.length])).toEqual([
      ['patient', 'EXTERNAL', 3],
      ['Isocenter 1', 'ISOCENTER', 1],
      ['Isocenter 2', 'ISOCENTER', 1],
    ]);
    const patient = read.rois[0];
    if (!patient) throw new Error('no ROI');
    // An axial grid of 2 mm pixels over x, y ∈ [−210, 210] with a slice at each contour's z.
    const zs = patient.contours.map((c) => c.points[2] ?? 0).sort((a, b) => a - b);
    const n = 211;
    const grid: SegTargetGrid = { rows: n, columns: n, pixelSpacing: [2, 2], orientation: [1, 0, 0, 0, 1, 0], positions: zs.map((z) => [-210, -210, z] as const) };
    const mask = rasteriseRoi(patient, grid);
    for (const [k, z] of zs.entries()) {
      const contour = patient.contours.find((c) => c.points[2] === z);
      if (!contour) throw new Error('contour missing');
      // Shoelace area of the polygon against the pixels filled on its slice (2 × 2 mm each).
      const p = contour.points;
      let area = 0;
      for (let i = 0; i < p.length / 3; i++) {
        const j = (i + 1) % (p.length / 3);
        area += (p[3 * i] ?? 0) * (p[3 * j + 1] ?? 0) - (p[3 * j] ?? 0) * (p[3 * i + 1] ?? 0);
      }
      area = Math.abs(area) / 2;
      let filled = 0;
      for (let i = k * n * n; i < (k + 1) * n * n; i++) filled += mask[i] ?? 0;
      expect(area).toBeGreaterThan(10_000);
      expect(Math.abs(filled * 4 - area) / area, `slice z=${z}`).toBeLessThan(0.01);
    }
    // POINT contours (isocentres) have no area.
    const iso = read.rois[1];
    if (!iso) throw new Error('no ROI');
    expect(rasteriseRoi(iso, grid).some((v) => v !== 0)).toBe(false);
  });
});
