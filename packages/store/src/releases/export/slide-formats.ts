import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gridOf, labelMap } from '@delineate/core';
import { writeOmeZarrLabelMap, writeSlideSegmentation, zipFolder } from '@delineate/formats';
import { DelineateError, type ManifestItem } from '@delineate/schema';
import { cocoPerField, regionGeoJson } from '../../pathology/exports';
import type { ExportItemInput, ReleaseExportFormat } from './formats';
import { itemProvenance, labelsAsSegments, segmentsForLabels, seriesOf } from './seg-formats';
import type { ArchiveFile } from './tar';

const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

const SLIDE_ONLY = 'Written for slide regions only; this item is not a slide region';

const onlySlides = (item: ManifestItem): string | null => (item.slide ? null : SLIDE_ONLY);

/** Resolution levels of a region's label pyramid: halved until the coarsest fits in one 512² chunk (at least two). */
export function slideLabelLevels(width: number, height: number): number {
  let levels = 1;
  for (let side = Math.max(width, height); side > 512 && levels < 8; side = Math.ceil(side / 2)) levels++;
  return Math.max(2, levels);
}

async function regionWork(input: ExportItemInput) {
  if (!input.slideRegion) throw new Error('slide region records were not given to a slide export format');
  return input.slideRegion();
}

/**
 * The released tissue mask of a region as OME-Zarr labels (OME-NGFF 0.5, zarr v3): [y, x] in
 * micrometres with the slide's µm per pixel as each level's scale, a nearest-neighbour pyramid,
 * zipped as one entry (the layout zarrita's ZipFileStore reads). Coordinates are the region's own
 * box; its corner on the slide is in the provenance JSON (`item.slide.bounds`).
 */
export const omeZarrSlideFormat: ReleaseExportFormat = {
  key: 'ome-zarr',
  title: 'OME-Zarr labels: tissue masks of slide regions (multiscale, µm per pixel stated)',
  skipReason: onlySlides,
  async itemFiles(input) {
    const slide = input.item.slide!;
    const { width, height } = slide.bounds;
    const dir = await mkdtemp(join(tmpdir(), 'dln-release-zarr-'));
    try {
      const store = join(dir, 'tissue.ome.zarr');
      const map = labelMap(gridOf([width, height], [slide.mppX / 1000, slide.mppY / 1000]), input.mask);
      await writeOmeZarrLabelMap(store, map, { labels: input.labelSchema.labels, name: 'tissue', unit: 'micrometer', levels: slideLabelLevels(width, height) });
      const parts: Uint8Array[] = [];
      for await (const part of zipFolder(store)) parts.push(part);
      return [{ path: `${input.folder}/tissue.ome.zarr.zip`, bytes: Buffer.concat(parts) }];
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

/** QuPath GeoJSON per region task (one file per reader): the region and its cells in full-resolution slide pixels. */
export const qupathGeoJsonFormat: ReleaseExportFormat = {
  key: 'qupath-geojson',
  title: 'QuPath GeoJSON: regions and cells per task (full-resolution pixels, µm per pixel stated)',
  skipReason: onlySlides,
  async itemFiles(input) {
    const work = await regionWork(input);
    return work.readings.map((r, i): ArchiveFile => ({ path: `${input.folder}/cells/reader-${i + 1}.geojson`, bytes: json({ ...regionGeoJson(work.region, r.cells), delineateTaskId: r.taskId }) }));
  },
};

/** COCO RLE per field of the region: one image per field, one annotation per label present in it. */
export const cocoFieldsFormat: ReleaseExportFormat = {
  key: 'coco-fields',
  title: 'COCO RLE per field: tissue masks of slide regions cut into their fields',
  skipReason: onlySlides,
  async itemFiles(input) {
    const work = await regionWork(input);
    const labels = input.labelSchema.labels.filter((l) => work.region.template.labelKeys.includes(l.key));
    return [{ path: `${input.folder}/fields.coco.json`, bytes: json(cocoPerField(work.region, work.fields, labels, input.mask)) }];
  },
};

/** Slide formats as OpenSlide names their vendors, in words. */
const sourceWords: Record<string, string> = { aperio: 'an Aperio SVS file', hamamatsu: 'a Hamamatsu NDPI file', mirax: 'a MIRAX file', tiff: 'a tiled TIFF file', 'generic-tiff': 'a tiled TIFF file' };

/** Why a slide region gets no DICOM SEG, in words; null when it does. */
export function slideSegSkipReason(item: ManifestItem): string | null {
  if (!item.slide) return SLIDE_ONLY;
  if (item.slide.sourceFormat !== 'dicom') {
    const came = sourceWords[item.slide.sourceFormat ?? ''] ?? (item.slide.sourceFormat ? `a ${item.slide.sourceFormat} file` : 'a file of unknown format');
    return `The slide came as ${came}, not as a DICOM whole-slide image: a DICOM SEG is written only over a DICOM source, which it references`;
  }
  return null;
}

/**
 * DICOM SEG BINARY of a region's released tissue mask over its DICOM whole-slide image: the
 * source's Total Pixel Matrix and tiles, frames only where a label lies, referencing the source's
 * (pseudonymised) series, instance and frames; other slides are skipped with the reason listed.
 */
export const segSlideFormat: ReleaseExportFormat = {
  key: 'seg-slide',
  title: 'DICOM SEG over a DICOM whole-slide image: tissue masks of slide regions (tiled, Total Pixel Matrix)',
  skipReason: slideSegSkipReason,
  async itemFiles(input) {
    if (input.item.labelKeys.length === 0) return [];
    const work = await regionWork(input);
    if (!work.dicomSource) throw new DelineateError('DLN_RELEASE_EXPORT_SOURCE', 'The DICOM slide was ingested before its SEG source facts were kept; ingest it again to export DICOM SEG');
    const { segments, numberOf } = segmentsForLabels(input.labelSchema.labels.filter((l) => input.item.labelKeys.includes(l.key)), itemProvenance(input.item));
    const bytes = writeSlideSegmentation({
      source: work.dicomSource,
      region: input.item.slide!.bounds,
      labels: labelsAsSegments(input.mask, numberOf),
      segments,
      series: seriesOf(input, 'seg-slide', 9004, 'SEGMENTATION', 'Released tissue segmentation of a slide region'),
    });
    return [{ path: `${input.folder}/seg-slide.dcm`, bytes }];
  },
};
