import { toSnomedCt, uidFromName, writeSegmentation, type SegmentAlgorithm, type SegmentAlgorithmType, type SegmentDescription, type SegSeries, type SegWriteInput } from '@delineate/formats';
import type { Label, ManifestItem, ManifestReading } from '@delineate/schema';
import type { ArchiveFile } from './tar';
import type { ExportItemInput, ReleaseExportFormat } from './formats';
import { segSourceOf } from './seg-source';

/** Algorithm Family (CID 7162) of every model the platform runs. */
const artificialIntelligence = { scheme: 'DCM', value: '123110', meaning: 'Artificial Intelligence' } as const;

interface Provenance {
  readonly type: SegmentAlgorithmType;
  readonly algorithm?: SegmentAlgorithm;
}

/**
 * How one reading's released revision came about: drawn by hand (MANUAL), a model's output
 * released as it was (AUTOMATIC), or a model's draft that a person then changed (SEMIAUTOMATIC).
 */
export function readingProvenance(reading: ManifestReading): Provenance {
  const chain = reading.revisions.filter((r) => r.version <= reading.released);
  const models = chain.filter((r) => r.author.kind === 'model');
  const model = models.at(-1)?.author;
  if (!model || model.kind !== 'model') return { type: 'MANUAL' };
  const released = chain.find((r) => r.version === reading.released);
  const algorithm = { name: model.name, version: model.version, family: artificialIntelligence };
  return { type: released?.author.kind === 'model' ? 'AUTOMATIC' : 'SEMIAUTOMATIC', algorithm };
}

/** An item's provenance over its readers: one kind when all agree, otherwise a model had a hand (SEMIAUTOMATIC). */
export function itemProvenance(item: ManifestItem): Provenance {
  const all = item.readings.map(readingProvenance);
  const types = new Set(all.map((p) => p.type));
  const algorithm = all.find((p) => p.algorithm)?.algorithm;
  if (types.size === 1) return all[0] ?? { type: 'MANUAL' };
  return { type: 'SEMIAUTOMATIC', ...(algorithm ? { algorithm } : {}) };
}

/**
 * Segments numbered 1..n in the order of `labels` (DICOM wants them contiguous), described by
 * their coded concepts and the readings' provenance; `numberOf` maps a label value to its segment.
 */
export function segmentsForLabels(labels: readonly Label[], provenance: Provenance): { segments: SegmentDescription[]; numberOf: Map<number, number> } {
  const numberOf = new Map<number, number>();
  const segments = labels.map((l, i) => {
    numberOf.set(l.value, i + 1);
    return {
      number: i + 1,
      label: l.name,
      category: toSnomedCt(l.category) ?? l.category,
      type: toSnomedCt(l.concept) ?? l.concept,
      algorithmType: provenance.type,
      ...(provenance.algorithm ? { algorithm: provenance.algorithm } : {}),
    };
  });
  return { segments, numberOf };
}

/** The segments of the labels the item holds, in schema order. */
function segmentsOf(input: ExportItemInput, keys: readonly string[]): { segments: SegmentDescription[]; numberOf: Map<number, number> } {
  return segmentsForLabels(
    input.labelSchema.labels.filter((l) => keys.includes(l.key)),
    itemProvenance(input.item),
  );
}

/** The new series: UIDs derived from the release, item and file, dates from the freeze time (UTC). */
export function seriesOf(input: ExportItemInput, file: string, number: number, label: string, description: string): SegSeries {
  const iso = input.frozenAt.toISOString();
  const name = `delineate:${input.releaseId}:${input.item.itemId}:${file}`;
  return {
    seriesInstanceUid: uidFromName(`${name}:series`),
    sopInstanceUid: uidFromName(`${name}:instance`),
    seriesNumber: number,
    instanceNumber: 1,
    contentDate: iso.slice(0, 10).replaceAll('-', ''),
    contentTime: iso.slice(11, 19).replaceAll(':', ''),
    manufacturer: 'Delineate',
    manufacturerModelName: 'Delineate',
    deviceSerialNumber: 'none',
    softwareVersions: input.tool.version,
    seriesDescription: description,
    contentLabel: label,
  };
}

/** A label volume as segment numbers (0 stays background). */
export function labelsAsSegments(mask: Uint8Array, numberOf: ReadonlyMap<number, number>): Uint8Array {
  const table = new Uint8Array(256);
  for (const [value, n] of numberOf) table[value] = n;
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = table[mask[i]!]!;
  return out;
}

/** Volume formats read or reference the item's image instances, which a slide region has none of. */
export const notForSlides = (item: ManifestItem): string | null =>
  item.slide ? 'A slide region has no image instances; slide regions are exported as ome-zarr, qupath-geojson, coco-fields and seg-slide' : null;

function labelVolumeFormat(key: string, title: string, type: 'BINARY' | 'LABELMAP'): ReleaseExportFormat {
  return {
    key,
    title,
    skipReason: notForSlides,
    async itemFiles(input) {
      if (input.item.labelKeys.length === 0) return [];
      const { segments, numberOf } = segmentsOf(input, input.item.labelKeys);
      const seg: SegWriteInput = {
        segmentationType: type,
        source: segSourceOf(input.item, await input.sourceInstances()),
        segments,
        labels: labelsAsSegments(input.mask, numberOf),
        series: seriesOf(input, key, 9001, type === 'BINARY' ? 'SEGMENTATION' : 'LABELMAP', `Released segmentation (${type})`),
      };
      return [{ path: `${input.folder}/${key}.dcm`, bytes: writeSegmentation(seg) }];
    },
  };
}

/** Per label the fraction of readers and the STAPLE probability, each as one FRACTIONAL (PROBABILITY) SEG. */
export const segFractionalFormat: ReleaseExportFormat = {
  key: 'seg-fractional',
  title: 'DICOM SEG FRACTIONAL: soft labels (reader fraction, STAPLE probability) of multi-reader items',
  skipReason: notForSlides,
  async itemFiles(input) {
    if (input.soft.length === 0) return [];
    const { segments, numberOf } = segmentsOf(input, input.soft.map((s) => s.labelKey));
    const source = segSourceOf(input.item, await input.sourceInstances());
    const files: ArchiveFile[] = [];
    for (const [file, label, number, values] of [
      ['reader_fraction', 'READER_FRACTION', 9002, (s: ExportItemInput['soft'][number]) => s.votes.map((v) => Math.round((255 * v) / s.readers))],
      ['staple', 'STAPLE', 9003, (s: ExportItemInput['soft'][number]) => s.staple],
    ] as const) {
      const fractions = new Map(input.soft.map((s) => [numberOf.get(s.labelValue)!, values(s)]));
      const series = seriesOf(input, `seg-fractional-${file}`, number, label, `Soft labels: ${file.replace('_', ' ')}`);
      files.push({ path: `${input.folder}/seg-fractional/${file}.dcm`, bytes: writeSegmentation({ segmentationType: 'FRACTIONAL', source, segments, fractions, series }) });
    }
    return files;
  },
};

export const segBinaryFormat = labelVolumeFormat('seg-binary', 'DICOM SEG BINARY: one segment per label, coded in SNOMED CT', 'BINARY');
export const segLabelmapFormat = labelVolumeFormat('seg-labelmap', 'DICOM SEG LABELMAP (Supplement 243): one label map', 'LABELMAP');
