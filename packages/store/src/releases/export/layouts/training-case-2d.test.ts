import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gridOf } from '@delineate/core';
import { enhancedMrPhantomValue, generateCtPhantom, generateEnhancedMrPhantom } from '@delineate/formats';
import { isDelineateError, type LabelSchema, type ManifestItem, type ReleaseManifestV2 } from '@delineate/schema';
import { trainingCaseFiles } from './training-case';

const ITEM = '00000000-0000-4000-8000-000000000001';

/** The grey samples of a PNG this repository wrote (one IDAT, filter 0 on every row). */
function pngSamples(bytes: Uint8Array, width: number, height: number, depth: 8 | 16): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 8;
  while (String.fromCharCode(...bytes.subarray(p + 4, p + 8)) !== 'IDAT') p += 12 + view.getUint32(p);
  const raw = inflateSync(bytes.subarray(p + 8, p + 8 + view.getUint32(p)));
  const out: number[] = [];
  const rowBytes = 1 + (width * depth) / 8;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out.push(depth === 8 ? raw[y * rowBytes + 1 + x]! : (raw[y * rowBytes + 1 + 2 * x]! << 8) | raw[y * rowBytes + 2 + 2 * x]!);
  return out;
}

// What a release export hands every format; the 2-D image path reads none of it.
const exportContext = { releaseId: ITEM, labelSchema: {} as LabelSchema, frozenAt: new Date(0), tool: { name: 'delineate', version: 'test' } };

const inputFor = (modality: ManifestItem['modality'], dims: [number, number, number], instances: Uint8Array[], origin: [number, number, number] = [0, 0, 0]) => {
  const item = { itemId: ITEM, subjectPseudonym: 'P-2D', split: 'train', modality, geometry: { dims, spacing: [1, 1, 1], origin, direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }, consensus: null, readings: [] } as unknown as ManifestItem;
  const grid = gridOf(dims, [1, 1, 1]);
  const mask = new Uint8Array(dims[0] * dims[1]).map((_, i) => (i % 3 === 0 ? 1 : 0));
  return { manifest: { items: [item] } as unknown as ReleaseManifestV2, item, grid, mask, soft: [], folder: '', sourceInstances: async () => instances, readerMasks: async () => [mask], ...exportContext };
};

describe('2-D items in the training layouts', () => {
  it('writes a one-slice MR item as 16-bit PNG image and 8-bit PNG label with the same name', async () => {
    const mr = generateEnhancedMrPhantom({ frames: 1, rows: 16, columns: 20 });
    const input = inputFor('MR', [20, 16, 1], [mr.bytes], [...mr.origin] as [number, number, number]);
    const files = await trainingCaseFiles(input, 'imagesTr/P-2D_x_0000', 'labelsTr/P-2D_x');
    expect(files.map((f) => f.path)).toEqual(['imagesTr/P-2D_x_0000.png', 'labelsTr/P-2D_x.png', 'readers/P-2D_00000000-0000-4000-8000-000000000001_reader1.nii.gz']);
    const image = pngSamples(files[0]!.bytes, 20, 16, 16);
    expect(image.slice(0, 3)).toEqual([0, 1, 2].map((c) => enhancedMrPhantomValue(c, 0, 0)));
    expect(image[20 * 5 + 4]).toBe(enhancedMrPhantomValue(4, 5, 0));
    expect(pngSamples(files[1]!.bytes, 20, 16, 8)).toEqual([...input.mask]);
  });

  it('refuses, with a coded error, a 2-D image a PNG cannot hold', async () => {
    const ct = generateCtPhantom({ slices: 1, rows: 16, columns: 16 });
    const input = inputFor('MR', [16, 16, 1], [ct.slices[0]!.bytes]);
    const error = await trainingCaseFiles(input, 'i', 'l').catch((e: unknown) => e);
    expect(isDelineateError(error) && error.code).toBe('DLN_RELEASE_EXPORT_IMAGE');
  });
});
