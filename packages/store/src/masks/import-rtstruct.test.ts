import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveStructure, gridOf, isotropicMargin, labelMap, writeDerived } from '@delineate/core';
import { generateCtPhantom, readRtStruct } from '@delineate/formats';
import { labelSchemaTemplate, type LabelSchema, type ManifestItem } from '@delineate/schema';
import { dciodvfyAvailable, runDciodvfy } from '@delineate/testkit';
import { describe, expect, it } from 'vitest';
import type { ExportItemInput } from '../releases/export/formats';
import { rtstructExportFormat } from '../releases/export/rtstruct-format';
import { importedMask, type ItemVolumeGeometry } from './import-mask';
import { rtStructRoiMatches } from './import-rtstruct';

const phantom = generateCtPhantom({ rows: 80, columns: 80, slices: 14, spacing: [4, 4, 5], noiseSigmaHu: 0, seed: 5 });
const template = labelSchemaTemplate('rt-target-volumes');
const schema: LabelSchema = { id: '00000000-0000-4000-8000-0000000000a1', name: template.name, version: 1, labels: template.labels, createdAt: '2026-12-05T00:00:00.000Z' };
const value = (key: string) => template.labels.find((l) => l.key === key)?.value ?? 0;

/** The phantom's lesion as the primary GTV, a CTV grown 6 mm from it and a PTV grown 5 mm from both, as a label map (rings). */
function targets(): Uint8Array {
  const grid = gridOf(phantom.dims, phantom.spacing);
  let map = labelMap(grid, Uint8Array.from(phantom.labels, (v) => (v === 2 ? value('gtv_primary') : 0)));
  map = writeDerived(map, value('ctv'), deriveStructure(map, { kind: 'margin', sources: [value('gtv_primary')], margin: isotropicMargin(6), clips: [] }));
  map = writeDerived(map, value('ptv'), deriveStructure(map, { kind: 'margin', sources: [value('gtv_primary'), value('ctv')], margin: isotropicMargin(5), clips: [] }));
  return map.data as Uint8Array;
}

const geometry: ItemVolumeGeometry = {
  columns: phantom.dims[0],
  rows: phantom.dims[1],
  slices: phantom.dims[2],
  spacing: phantom.spacing,
  origin: phantom.origin,
  direction: [...phantom.orientation, 0, 0, 1],
  seriesInstanceUid: phantom.uids.series,
};

async function exported(mask: Uint8Array): Promise<Uint8Array> {
  const item = {
    itemId: '00000000-0000-4000-8000-0000000000b1',
    geometry: { dims: phantom.dims, spacing: phantom.spacing, origin: phantom.origin, direction: geometry.direction },
    labelKeys: ['gtv_primary', 'ctv', 'ptv'],
  } as unknown as ManifestItem;
  const input = {
    releaseId: '00000000-0000-4000-8000-0000000000c1',
    labelSchema: schema,
    frozenAt: new Date('2026-12-05T06:00:00Z'),
    tool: { name: 'Delineate', version: '0.1.0' },
    item,
    mask,
    folder: 'train/item',
    sourceInstances: async () => phantom.slices.map((s) => s.bytes),
  } as unknown as ExportItemInput;
  const files = await rtstructExportFormat.itemFiles(input);
  expect(files.map((f) => f.path)).toEqual(['train/item/rtstruct.dcm']);
  return files[0]!.bytes;
}

function dice(a: Uint8Array, b: Uint8Array, values: number[]): number {
  let both = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = values.includes(a[i]!), y = values.includes(b[i]!);
    na += x ? 1 : 0;
    nb += y ? 1 : 0;
    both += x && y ? 1 : 0;
  }
  return (2 * both) / (na + nb);
}

describe('RT Structure Set in a release and back through mask import', () => {
  it('exports nested targets (PTV ⊃ CTV ⊃ GTV) with their RT ROI types and imports them back at Dice ≥ 0.99 per ROI', async () => {
    const mask = targets();
    const bytes = await exported(mask);
    const read = readRtStruct(bytes);
    expect(read.referencedSeriesUids).toEqual([phantom.uids.series]);
    expect(read.rois.map((r) => [r.name, r.interpretedType])).toEqual([
      ['GTV primary', 'GTV'],
      ['CTV', 'CTV'],
      ['PTV', 'PTV'],
    ]);
    const back = importedMask(bytes, geometry, template.labels);
    expect(back.format).toBe('rtstruct');
    expect(back.segments.map((s) => s.labelKey)).toEqual(['ptv', 'ctv', 'gtv_primary']);
    for (const values of [[value('gtv_primary')], [value('gtv_primary'), value('ctv')], [value('gtv_primary'), value('ctv'), value('ptv')]]) {
      expect(dice(back.labels, mask, values)).toBeGreaterThanOrEqual(0.99);
    }
    expect(back.labels).toEqual(mask);
  });

  it.skipIf(!dciodvfyAvailable())('writes a structure set dciodvfy accepts with no errors', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'delineate-rt-export-'));
    try {
      const path = join(folder, 'rtstruct.dcm');
      await writeFile(path, await exported(targets()));
      const report = runDciodvfy(path);
      expect(report.iod, report.output).toBe('RTStructureSet');
      expect(report.errors, report.output).toEqual([]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('refuses a structure set of another series, and ROIs no label matches, writing nothing', async () => {
    const bytes = await exported(targets());
    expect(() => importedMask(bytes, { ...geometry, seriesInstanceUid: '2.25.999' }, template.labels)).toThrow(expect.objectContaining({ code: 'DLN_RTSTRUCT_SERIES_MISMATCH' }));
    const organsOnly = labelSchemaTemplate('rt-thorax').labels.filter((l) => l.rtRoiInterpretedType === 'ORGAN');
    expect(() => importedMask(bytes, geometry, organsOnly)).toThrow(expect.objectContaining({ code: 'DLN_RTSTRUCT_ROI_UNMATCHED' }));
  });

  it('proposes a label per ROI for review and imports with the labels the person chose for unmatched ones', async () => {
    const bytes = await exported(targets());
    // A schema whose target has another name, code and no RT type: the PTV ROI matches nothing until chosen.
    const renamed = template.labels.map((l) =>
      l.key === 'ptv' ? { ...l, key: 'ptv_setup', name: 'Set-up volume', concept: { scheme: 'LOCAL' as const, value: 'PTV-SETUP', meaning: 'Set-up volume' }, rtRoiInterpretedType: undefined } : l,
    );
    const matches = rtStructRoiMatches(bytes, renamed);
    expect(matches.map((m) => m.labelKey)).toEqual(['gtv_primary', 'ctv', null]);
    expect(() => importedMask(bytes, geometry, renamed)).toThrow(expect.objectContaining({ code: 'DLN_RTSTRUCT_ROI_UNMATCHED' }));
    const ptvRoi = matches.find((m) => m.labelKey === null)!.roiNumber;
    const chosen = importedMask(bytes, geometry, renamed, new Map([[ptvRoi, 'ptv_setup']]));
    expect(chosen.segments.map((s) => s.labelKey).sort()).toEqual(['ctv', 'gtv_primary', 'ptv_setup']);
    const original = importedMask(bytes, geometry, template.labels);
    expect(chosen.labels).toEqual(original.labels);
    // A chosen key the schema does not have is refused like an unmatched ROI.
    expect(() => importedMask(bytes, geometry, renamed, new Map([[ptvRoi, 'nothing_like_it']]))).toThrow(expect.objectContaining({ code: 'DLN_RTSTRUCT_ROI_UNMATCHED' }));
  });
});
