import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AScanState, boundaryIndex, findBoundaryOrderViolation, heightAt } from '@delineate/core';
import { describe, expect, it } from 'vitest';
import { readDicomFile } from '../dicom/read';
import { getString } from '../dicom/values';
import { octGeometryOfOpt } from '../oct/opt-geometry';
import { writeOctInstances } from '../oct/opt-write';
import { readHeyexVol } from './vol';
import { readHeyexXml } from './xml';

const data = process.env.DELINEATE_TESTDATA;
const missing = !data && process.env.CI !== 'true';

describe.skipIf(missing)('Heyex readers on the shared exports', () => {
  const folder = join(data ?? '/missing', 'oct/heyex');

  it('reads the VOL export: sizes, scales in µm, eye, B-scan lines and patient fields as read', () => {
    const vol = readHeyexVol(readFileSync(join(folder, 'vol/test_volume.vol')));
    expect(vol.geometry).toEqual({ bscans: 10, ascans: 50, rows: 40, ascanSpacingUm: expect.closeTo(11.819, 6), bscanSpacingUm: expect.closeTo(31.444, 2), axialUmPerPixel: expect.closeTo(3.872, 6), laterality: 'OD' });
    expect(vol.localizer.width).toBe(50);
    expect(vol.frameLines[0]!.start[1]).toBeCloseTo(1.513 / 0.0118, 6);
    expect(vol.identity.patientId).toBe('Study-01');
    expect(vol.identity.birthDate).toBe('20000101');
    // Its B-scan headers say NumSeg = 0: the slots hold zeros, not heights, and none is imported.
    expect(vol.segmented).toEqual([]);
    expect(vol.boundaries.states.every((s) => s === AScanState.notAnnotated)).toBe(true);
    expect(vol.bscans).toHaveLength(10 * 40 * 50);
  });

  it('imports VOL segmentation lines when a B-scan header declares them', () => {
    const bytes = Uint8Array.from(readFileSync(join(folder, 'vol/test_volume.vol')));
    const view = new DataView(bytes.buffer);
    const first = 2048 + 50 * 50;
    view.setInt32(first + 48, 17, true);
    // ILM (line 0) at 9.6 except an invalid first A-scan; BM (line 1) at 30.2; PR1 (line 14) at 20.
    for (let a = 0; a < 50; a++) {
      view.setFloat32(first + 256 + a * 4, a === 0 ? 3.4e38 : 9.6, true);
      view.setFloat32(first + 256 + (50 + a) * 4, 30.2, true);
      view.setFloat32(first + 256 + (14 * 50 + a) * 4, 20, true);
    }
    const vol = readHeyexVol(bytes);
    expect(vol.segmented).toContain('ILM');
    expect(heightAt(vol.boundaries, boundaryIndex('ILM'), 0, 0)).toBeUndefined();
    expect(heightAt(vol.boundaries, boundaryIndex('ILM'), 0, 1)).toBeCloseTo(10.1, 5);
    expect(heightAt(vol.boundaries, boundaryIndex('BM'), 0, 7)).toBeCloseTo(30.7, 5);
    expect(heightAt(vol.boundaries, boundaryIndex('EZ'), 0, 7)).toBe(20.5);
    // The zero slots of the lines not declared stay heights of zero only for declared lines.
    expect(heightAt(vol.boundaries, boundaryIndex('ILM'), 1, 1)).toBeUndefined();
  });

  it('refuses a truncated VOL and a file of another kind with a coded error', () => {
    const bytes = readFileSync(join(folder, 'vol/test_volume.vol'));
    expect(() => readHeyexVol(bytes.subarray(0, bytes.length - 4))).toThrow(expect.objectContaining({ code: 'DLN_OCT_HEYEX_INVALID' }));
    expect(() => readHeyexVol(new Uint8Array(4096))).toThrow(expect.objectContaining({ code: 'DLN_OCT_HEYEX_INVALID' }));
  });

  it('reads the XML export with its TIFFs and layer heights, Heyex invalid heights as not annotated', () => {
    const files = new Map(readdirSync(join(folder, 'xml')).map((name) => [name, readFileSync(join(folder, 'xml', name))]));
    const xml = readHeyexXml(files.get('test_dummy.xml')!.toString('utf8'), (name) => files.get(name));
    expect(xml.geometry).toMatchObject({ bscans: 10, ascans: 50, rows: 40, laterality: 'OD' });
    expect(xml.geometry.bscanSpacingUm).toBeCloseTo(31.5, 0);
    expect(xml.segmented).toHaveLength(11);
    expect(heightAt(xml.boundaries, boundaryIndex('ILM'), 0, 0)).toBeUndefined();
    expect(heightAt(xml.boundaries, boundaryIndex('ILM'), 0, 2)).toBeCloseTo(10.1, 5);
    expect(heightAt(xml.boundaries, boundaryIndex('RPE'), 0, 1)).toBeCloseTo(28.5, 5);
    expect(xml.identity.patientName).toBe('Doe^John');
    // The dummy export's PR2 line lies above its PR1 line: the order check names the pair.
    expect(findBoundaryOrderViolation(xml.boundaries)).toMatchObject({ upper: 'EZ', lower: 'IZ', bscan: 0 });
  });

  it('becomes an OPT instance whose geometry reads back, carrying the source identity for the gate', () => {
    const vol = readHeyexVol(readFileSync(join(folder, 'vol/test_volume.vol')));
    const written = writeOctInstances({ ...vol, uidName: 'test/heyex' });
    const { dataset } = readDicomFile(written.opt);
    const geometry = octGeometryOfOpt(dataset);
    expect(geometry.ascanSpacingUm).toBeCloseTo(vol.geometry.ascanSpacingUm, 3);
    expect(geometry.bscanSpacingUm).toBeCloseTo(vol.geometry.bscanSpacingUm, 3);
    expect(getString(dataset, 0x00100020)).toBe('Study-01');
  });
});
