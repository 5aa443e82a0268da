import { cdrConventions, cdrConventionWords, fundusMeasures, type DiscCupLabels, type FundusMask } from '@delineate/core';
import { getString, readDicomFile } from '@delineate/formats';
import type { Laterality } from '@delineate/schema';
import { cocoRle } from '../pathology/coco-rle';
import type { ExportItemInput, ReleaseExportFormat } from '../releases/export/formats';
import type { ArchiveFile } from '../releases/export/tar';
import { discCupLabelsOf, fundusMeasuresView } from './revisions';

const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

/** The eye and pixel spacing as the de-identified instance records them (Image Laterality, Pixel Spacing). */
function photoFactsOf(instance: Uint8Array | undefined): { laterality: Laterality | null; spacing: [number, number] | null } {
  if (!instance) return { laterality: null, spacing: null };
  const { dataset } = readDicomFile(instance);
  const side = getString(dataset, 0x00200062)?.trim();
  const values = getString(dataset, 0x00280030)?.split('\\').map(Number);
  const spacing = values?.length === 2 && values.every((v) => Number.isFinite(v) && v > 0) ? ([values[1]!, values[0]!] as [number, number]) : null;
  return { laterality: side === 'R' ? 'OD' : side === 'L' ? 'OS' : null, spacing };
}

/** COCO annotations of one mask: the disc (rim and cup together, as REFUGE counts it) and the cup. */
function cocoAnnotations(mask: FundusMask, labels: DiscCupLabels, firstId: number, imageId: number) {
  const structures = [
    { category: labels.disc, inside: (v: number) => v === labels.disc || v === labels.cup },
    { category: labels.cup, inside: (v: number) => v === labels.cup },
  ];
  return structures.map((s, k) => {
    let area = 0;
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let y = 0; y < mask.height; y++) {
      for (let x = 0; x < mask.width; x++) {
        if (!s.inside(mask.data[x + mask.width * y]!)) continue;
        area += 1;
        [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      }
    }
    return {
      id: firstId + k,
      image_id: imageId,
      category_id: s.category,
      iscrowd: 1,
      area,
      bbox: area > 0 ? [x0, y0, x1 - x0 + 1, y1 - y0 + 1] : [0, 0, 0, 0],
      segmentation: cocoRle(mask.data, mask.width, mask.height, s.inside),
    };
  });
}

/**
 * Fundus photographs' disc and cup: per item, COCO RLE (pycocotools' compressed counts, column-
 * major) of the released mask and of each reader's, and the measures as JSON with each
 * cup-to-disc convention named and described (the eye and pixel spacing from the de-identified
 * instance; without spacing, ratios and pixels only). An item without disc and cup labels in the
 * schema is not a fundus item and gets no files here.
 */
export const fundusExportFormat: ReleaseExportFormat = {
  key: 'fundus_disc_cup',
  title: 'Optic disc and cup: COCO RLE and measures (JSON, conventions named)',
  async itemFiles(input: ExportItemInput): Promise<ArchiveFile[]> {
    let labels: DiscCupLabels;
    try {
      labels = discCupLabelsOf(input.labelSchema.labels);
    } catch {
      return [];
    }
    const [width, height] = [input.grid.dims[0], input.grid.dims[1]];
    const { laterality, spacing } = photoFactsOf((await input.sourceInstances())[0]);
    const readers = await input.readerMasks();
    const masks = [{ name: 'released', data: input.mask }, ...readers.map((data, i) => ({ name: `reader-${i + 1}`, data }))];
    const categories = input.labelSchema.labels.filter((l) => l.value === labels.disc || l.value === labels.cup).map((l) => ({ id: l.value, name: l.name, supercategory: 'optic nerve head' }));
    const coco = {
      info: { description: `Optic disc and cup of release ${input.releaseId}`, version: '1.0', date_created: input.frozenAt.toISOString() },
      images: masks.map((m, i) => ({ id: i + 1, width, height, file_name: `${input.item.itemId}/${m.name}` })),
      categories,
      annotations: masks.flatMap((m, i) => cocoAnnotations({ width, height, data: m.data }, labels, 2 * i + 1, i + 1)),
    };
    const measures = {
      conventions: cdrConventions.map((c) => ({ convention: c, description: cdrConventionWords[c] })),
      laterality,
      pixelSpacingMm: spacing,
      masks: masks.map((m) => ({ mask: m.name, measures: fundusMeasuresView(fundusMeasures({ width, height, data: m.data }, labels, laterality, spacing)) })),
    };
    return [
      { path: `${input.folder}/disc-cup.coco.json`, bytes: json(coco) },
      { path: `${input.folder}/fundus-measures.json`, bytes: json(measures) },
    ];
  },
};
