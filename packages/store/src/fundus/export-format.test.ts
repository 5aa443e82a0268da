import { describe, expect, it } from 'vitest';
import { ellipseContour, fundusMeasures, gridOf, rasteriseDiscAndCup, verticalCdr } from '@delineate/core';
import { generateSyntheticFundus, writeOphthalmicPhoto } from '@delineate/formats';
import { fundusLabelSchema, type LabelSchema } from '@delineate/schema';
import { decompressCocoCounts } from '../pathology/coco-rle';
import type { ExportItemInput } from '../releases/export/formats';
import { fundusExportFormat } from './export-format';

const labels = { disc: 1, cup: 2 };
const mask = (cupRy: number) => {
  const r = rasteriseDiscAndCup(ellipseContour([60, 50], [30, 34]), ellipseContour([60, 50], [12, cupRy]), 120, 100, labels);
  if (!r.ok) throw new Error(r.reason);
  return r.mask.data;
};

/** The pixels a COCO RLE (column-major runs, background first) sets. */
function fromCoco(counts: string, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  let at = 0;
  decompressCocoCounts(counts).forEach((run, i) => {
    for (let k = 0; k < run; k++, at++) if (i % 2 === 1) out[(at % height) * width + Math.floor(at / height)] = 1;
  });
  return out;
}

describe('fundus release export', () => {
  it('writes COCO RLE of disc and cup for the released mask and each reader, and measures with conventions named', async () => {
    const fundus = generateSyntheticFundus({ width: 120, height: 100, laterality: 'OS' });
    const instance = writeOphthalmicPhoto({ pixels: fundus.pixels, laterality: 'OS', acquiredAt: new Date(0), subjectId: 'S', uidSeed: 'export', pixelSpacingMm: [0.01, 0.01] });
    const released = mask(16);
    const input = {
      releaseId: 'r1',
      labelSchema: { id: 's', name: fundusLabelSchema.name, version: 1, labels: fundusLabelSchema.labels } as unknown as LabelSchema,
      frozenAt: new Date(Date.UTC(2026, 0, 1)),
      item: { itemId: 'item-1' },
      grid: gridOf([120, 100, 1], [1, 1, 1]),
      mask: released,
      soft: [],
      folder: 'train/item-1',
      sourceInstances: async () => [instance],
      readerMasks: async () => [mask(14), mask(18)],
    } as unknown as ExportItemInput;
    const files = await fundusExportFormat.itemFiles(input);
    expect(files.map((f) => f.path)).toEqual(['train/item-1/disc-cup.coco.json', 'train/item-1/fundus-measures.json']);
    const coco = JSON.parse(new TextDecoder().decode(files[0]!.bytes));
    expect(coco.images).toHaveLength(3);
    expect(coco.categories.map((c: { name: string }) => c.name)).toEqual(['Optic disc (rim)', 'Optic cup']);
    const cup = coco.annotations.find((a: { image_id: number; category_id: number }) => a.image_id === 1 && a.category_id === 2);
    const disc = coco.annotations.find((a: { image_id: number; category_id: number }) => a.image_id === 1 && a.category_id === 1);
    expect(Array.from(fromCoco(cup.segmentation.counts, 120, 100))).toEqual(Array.from(released, (v) => (v === 2 ? 1 : 0)));
    expect(Array.from(fromCoco(disc.segmentation.counts, 120, 100))).toEqual(Array.from(released, (v) => (v > 0 ? 1 : 0)));
    expect(disc.area).toBe(released.filter((v) => v > 0).length);
    const measures = JSON.parse(new TextDecoder().decode(files[1]!.bytes));
    expect(measures.laterality).toBe('OS');
    expect(measures.pixelSpacingMm).toEqual([0.01, 0.01]);
    expect(measures.conventions.map((c: { convention: string }) => c.convention)).toEqual(['refuge', 'extent', 'ellipse_fit']);
    const expected = verticalCdr(fundusMeasures({ width: 120, height: 100, data: released }, labels, 'OS', [0.01, 0.01]), 'refuge');
    expect(measures.masks[0].measures.cdr[0]).toMatchObject({ convention: 'refuge', name: 'REFUGE', vertical: expected });
    expect(measures.masks.map((m: { mask: string }) => m.mask)).toEqual(['released', 'reader-1', 'reader-2']);
  });

  it('writes nothing for an item whose schema has no disc and cup', async () => {
    const input = { labelSchema: { labels: [{ key: 'liver', value: 1 }] } } as unknown as ExportItemInput;
    expect(await fundusExportFormat.itemFiles(input)).toEqual([]);
  });
});
