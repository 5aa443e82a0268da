import { afterAll, describe, expect, it } from 'vitest';
import { ellipseContour, gridOf, rasteriseDiscAndCup } from '@delineate/core';
import { createDciodvfyValidator } from '@delineate/deid';
import { generateOctPhantom, generateSyntheticFundus, getString, PER_FRAME_FUNCTIONAL_GROUPS, readDicomFile, readSegmentation, writeDicomFile, writeOphthalmicPhoto } from '@delineate/formats';
import { fundusLabelSchema, type LabelSchema } from '@delineate/schema';
import type { ExportItemInput } from './formats';
import { ophthalmicSegFormat, ophthalmicSegSource } from './ophthalmic-seg-format';

const validate = createDciodvfyValidator({ shells: 1 });
afterAll(() => validate.close());

const lesion = (key: string, value: number, name: string) => ({
  key,
  value,
  name,
  concept: { scheme: 'LOCAL', value: `DLN-OCT-${key.toUpperCase()}`, meaning: name },
  category: { scheme: 'SCT', value: '49755003', meaning: 'Morphologically abnormal structure' },
});
const octLabels = [lesion('irf', 1, 'Intraretinal fluid'), lesion('srf', 2, 'Subretinal fluid'), lesion('ped', 3, 'Pigment epithelial detachment')];

function inputOf(over: Partial<ExportItemInput> & { modality: string; labelKeys: string[]; labels: unknown[] }): ExportItemInput {
  const { modality, labelKeys, labels, ...rest } = over;
  return {
    releaseId: 'release-1',
    labelSchema: { id: 's', name: 'schema', version: 1, labels } as unknown as LabelSchema,
    frozenAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
    tool: { name: 'Delineate', version: '0.1.0' },
    item: { itemId: 'item-1', modality, labelKeys, readings: [{ released: 1, revisions: [{ version: 1, author: { kind: 'user' } }] }] },
    soft: [],
    folder: 'train/item-1',
    readerMasks: async () => [],
    ...rest,
  } as unknown as ExportItemInput;
}

describe('DICOM SEG over ophthalmic sources', () => {
  it('writes OCT fluid on the OPT frames: each frame references its B-scan, in the OPT’s frame of reference, valid per dciodvfy', { timeout: 120_000 }, async () => {
    const phantom = generateOctPhantom({ seed: 2 });
    const { bscans, rows, ascans } = phantom.geometry;
    const mask = new Uint8Array(bscans * rows * ascans);
    // IRF on B-scans 20–22, SRF on B-scan 24, nothing elsewhere.
    for (const s of [20, 21, 22]) for (let r = 200; r < 210; r++) for (let a = 250; a < 262; a++) mask[(s * rows + r) * ascans + a] = 1;
    for (let r = 300; r < 304; r++) for (let a = 100; a < 140; a++) mask[(24 * rows + r) * ascans + a] = 2;
    const input = inputOf({ modality: 'OPT', labelKeys: ['irf', 'srf'], labels: octLabels, mask, grid: gridOf([ascans, rows, bscans], [0.0115, 0.0039, 0.12]), sourceInstances: async () => [phantom.opt] });
    const [file] = await ophthalmicSegFormat.itemFiles(input);
    expect(file!.path).toBe('train/item-1/seg-ophthalmic.dcm');
    expect(await validate(file!.bytes)).toEqual([]);
    const seg = readSegmentation(file!.bytes);
    expect(seg.frameOfReferenceUid).toBe(getString(readDicomFile(phantom.opt).dataset, 0x00200052));
    expect(seg.segments.map((s) => s.label)).toEqual(['Intraretinal fluid', 'Subretinal fluid']);
    expect(seg.frames).toHaveLength(4);
    expect(seg.frames.every((f) => f.referencedSopInstanceUids.length === 1 && f.referencedSopInstanceUids[0] === phantom.uids.instance)).toBe(true);
    // The frame of B-scan 21 holds exactly the IRF drawn there, at the B-scan's own position.
    const source = ophthalmicSegSource(phantom.opt);
    expect(seg.frames[1]!.position).toEqual(source.slices[21]!.position);
    const pixels = seg.framePixels(1);
    expect(Array.from(pixels).reduce((n, v) => n + v, 0)).toBe(10 * 12);
    expect(pixels[205 * ascans + 255]).toBe(1);
    // The SRF frame derives from B-scan 24, frame 25 of the OPT (Referenced Frame Number).
    const derivation = readDicomFile(file!.bytes).dataset.get(PER_FRAME_FUNCTIONAL_GROUPS)!.items![3]!.get(0x00089124)!.items![0]!.get(0x00082112)!.items![0]!;
    expect(getString(derivation, 0x00081160)).toBe('25');
  });

  it('without plane positions in the OPT, locates each frame by the B-scan it references (no frame of reference claimed), valid per dciodvfy', { timeout: 120_000 }, async () => {
    const phantom = generateOctPhantom({ seed: 2 });
    const file = readDicomFile(phantom.opt);
    for (const frame of file.dataset.get(PER_FRAME_FUNCTIONAL_GROUPS)!.items!) frame.delete(0x00209113);
    const opt = writeDicomFile(file);
    const source = ophthalmicSegSource(opt);
    expect(source.withoutPatientGeometry).toEqual({ pixelSpacing: [0.0039, 0.0115], patientOrientation: '' });
    const { bscans, rows, ascans } = phantom.geometry;
    const mask = new Uint8Array(bscans * rows * ascans);
    for (let a = 10; a < 30; a++) mask[(7 * rows + 250) * ascans + a] = 3;
    const [seg] = await ophthalmicSegFormat.itemFiles(inputOf({ modality: 'OPT', labelKeys: ['ped'], labels: octLabels, mask, grid: gridOf([ascans, rows, bscans], [1, 1, 1]), sourceInstances: async () => [opt] }));
    expect(await validate(seg!.bytes)).toEqual([]);
    const read = readSegmentation(seg!.bytes);
    expect(read.frameOfReferenceUid).toBeUndefined();
    expect(read.frames).toHaveLength(1);
    expect(read.frames[0]!.position).toBeUndefined();
    // The frame's derivation names B-scan 8 of the OPT (Referenced Frame Number 8).
    const derivation = readDicomFile(seg!.bytes).dataset.get(PER_FRAME_FUNCTIONAL_GROUPS)!.items![0]!.get(0x00089124)!.items![0]!.get(0x00082112)!.items![0]!;
    expect(getString(derivation, 0x00081160)).toBe('8');
  });

  it('writes disc and cup of a fundus photograph as a one-image SEG referencing the OP instance, valid per dciodvfy', { timeout: 60_000 }, async () => {
    const fundus = generateSyntheticFundus({ width: 120, height: 100, laterality: 'OD' });
    const photo = writeOphthalmicPhoto({ pixels: fundus.pixels, laterality: 'OD', acquiredAt: new Date(0), subjectId: 'S', uidSeed: 'seg-op', pixelSpacingMm: [0.01, 0.01] });
    const raster = rasteriseDiscAndCup(ellipseContour([60, 50], [30, 34]), ellipseContour([60, 50], [12, 16]), 120, 100, { disc: 1, cup: 2 });
    if (!raster.ok) throw new Error(raster.reason);
    const input = inputOf({ modality: 'OP', labelKeys: ['optic_disc', 'optic_cup'], labels: fundusLabelSchema.labels, mask: raster.mask.data, grid: gridOf([120, 100, 1], [1, 1, 1]), sourceInstances: async () => [photo] });
    const [file] = await ophthalmicSegFormat.itemFiles(input);
    expect(await validate(file!.bytes)).toEqual([]);
    const seg = readSegmentation(file!.bytes);
    expect(seg.frameOfReferenceUid).toBeUndefined();
    expect(seg.pixelSpacing).toEqual([0.01, 0.01]);
    expect(seg.segments.map((s) => s.label)).toEqual(['Optic disc (rim)', 'Optic cup']);
    expect(seg.frames).toHaveLength(2);
    const cup = seg.framePixels(1);
    expect(Array.from(cup)).toEqual(Array.from(raster.mask.data, (v) => (v === 2 ? 1 : 0)));
  });

  it('writes nothing for items of other modalities', async () => {
    expect(await ophthalmicSegFormat.itemFiles(inputOf({ modality: 'CT', labelKeys: ['liver'], labels: [] }))).toEqual([]);
  });
});
