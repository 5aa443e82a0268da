import { cutRle8, encodeRle8 } from '@delineate/core';
import { DelineateError, type Label } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { AnnotationRepository, SaveRevisionResult } from '../repositories/annotations';
import { LabelSchemaRepository } from '../repositories/label-schemas';
import type { DB } from '../sql/tables';
import { decodeNifti, getString, labelVolumeOnGrid, niftiLabels, readDicomFile, readSegmentation, rtStructureSetStorage, tag, toSnomedCt, type SegTargetGrid } from '@delineate/formats';
import { paintRois, rtStructRois } from './import-rtstruct';

/** The voxel grid of an item's series volume, as stored (spacing column, row, slice; direction row, column, normal). */
export interface ItemVolumeGeometry {
  readonly columns: number;
  readonly rows: number;
  readonly slices: number;
  readonly spacing: readonly [number, number, number];
  readonly origin: readonly [number, number, number];
  readonly direction: readonly number[];
  /** The item's de-identified Series Instance UID, when known: an RT Structure Set must reference it. */
  readonly seriesInstanceUid?: string;
}

export type MaskImportFormat = 'dicom-seg' | 'nifti' | 'rtstruct';

/** One segment of the imported file and the schema label it became. */
export interface ImportedSegment {
  /** Segment number in the file (DICOM SEG), or the label value (NIfTI). */
  readonly fileSegment: number;
  readonly labelKey: string;
  readonly labelValue: number;
  readonly voxels: number;
}

export interface ImportedMask {
  readonly format: MaskImportFormat;
  /** One schema label value per voxel, x-fastest in slice order, on the item's grid. */
  readonly labels: Uint8Array;
  readonly segments: readonly ImportedSegment[];
}

/** DICOM Part 10 ("DICM" after the preamble) or NIfTI-1 (gzip, or a 348-byte header). */
export function sniffMaskFormat(bytes: Uint8Array): MaskImportFormat {
  if (bytes.length > 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d) return 'dicom-seg';
  if (bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return 'nifti';
  if (bytes.length >= 348) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
    if (view.getInt32(0, true) === 348 || view.getInt32(0, false) === 348) return 'nifti';
  }
  throw new DelineateError('DLN_IMPORT_FORMAT_UNKNOWN', 'The file is neither a DICOM Segmentation nor a NIfTI-1 label map');
}

export function segGrid(g: ItemVolumeGeometry): SegTargetGrid {
  const d = g.direction;
  const normal = [d[6]!, d[7]!, d[8]!];
  return {
    rows: g.rows,
    columns: g.columns,
    pixelSpacing: [g.spacing[1], g.spacing[0]],
    orientation: [d[0]!, d[1]!, d[2]!, d[3]!, d[4]!, d[5]!],
    positions: Array.from({ length: g.slices }, (_, k) => {
      const s = k * g.spacing[2];
      return [g.origin[0] + s * normal[0]!, g.origin[1] + s * normal[1]!, g.origin[2] + s * normal[2]!] as const;
    }),
  };
}

function countValues(labels: Uint8Array): Uint32Array {
  const counts = new Uint32Array(256);
  for (let i = 0; i < labels.length; i += 1) counts[labels[i]!]! += 1;
  return counts;
}

/** A DICOM SEG placed on the item's grid, its segments mapped to schema labels by SNOMED CT code. */
function importSegmentation(bytes: Uint8Array, geometry: ItemVolumeGeometry, schemaLabels: readonly Label[]): ImportedMask {
  const seg = readSegmentation(bytes);
  let fileLabels: Uint8Array;
  try {
    fileLabels = labelVolumeOnGrid(seg, segGrid(geometry));
  } catch (error) {
    if (error instanceof DelineateError && error.code === 'DLN_SEG_OFF_GRID') throw new DelineateError('DLN_IMPORT_OFF_GRID', error.message, error.details);
    throw error;
  }
  const toSchema = new Uint8Array(256);
  const mapped: { fileSegment: number; label: Label }[] = [];
  for (const segment of seg.segments) {
    const code = segment.type ? toSnomedCt(segment.type) : undefined;
    const label = code && schemaLabels.find((l) => toSnomedCt(l.concept)?.value === code.value);
    if (!label) {
      throw new DelineateError('DLN_IMPORT_CODE_UNKNOWN', "A segment's code matches no label of the annotation's label schema", {
        segment: segment.number,
        scheme: segment.type?.scheme.slice(0, 16) ?? null,
        code: segment.type?.value.slice(0, 64) ?? null,
      });
    }
    toSchema[segment.number] = label.value;
    mapped.push({ fileSegment: segment.number, label });
  }
  const counts = countValues(fileLabels);
  const labels = new Uint8Array(fileLabels.length);
  for (let i = 0; i < labels.length; i += 1) labels[i] = toSchema[fileLabels[i]!]!;
  return {
    format: 'dicom-seg',
    labels,
    segments: mapped.map(({ fileSegment, label }) => ({ fileSegment, labelKey: label.key, labelValue: label.value, voxels: counts[fileSegment]! })),
  };
}

/** Item voxel → RAS mm (NIfTI's world), from the DICOM (LPS) geometry. */
function itemAffine(g: ItemVolumeGeometry): number[] {
  const d = g.direction;
  const lps = [0, 1, 2].map((axis) => [d[axis]! * g.spacing[0], d[3 + axis]! * g.spacing[1], d[6 + axis]! * g.spacing[2], g.origin[axis]!]);
  // LPS → RAS negates x and y.
  return [...lps[0]!.map((v) => -v), ...lps[1]!.map((v) => -v), ...lps[2]!, 0, 0, 0, 1];
}

/**
 * For each NIfTI axis, the item axis it runs along and its direction (+1/−1), with the item
 * index of NIfTI voxel 0: a label map on the item's grid in any axis order or flip (dcm2niix
 * flips rows) maps voxel to voxel; anything else is off the grid.
 */
function axisMapping(nifti: readonly number[], g: ItemVolumeGeometry): { axis: number[]; sign: number[]; start: number[] } {
  const item = itemAffine(g);
  const column = (m: readonly number[], c: number) => [m[c]!, m[4 + c]!, m[8 + c]!];
  const itemAxes = [0, 1, 2].map((c) => column(item, c));
  const steps = [g.spacing[0], g.spacing[1], g.spacing[2]];
  const axis: number[] = [];
  const sign: number[] = [];
  for (let c = 0; c < 3; c += 1) {
    const v = column(nifti, c);
    let found = -1;
    let s = 0;
    for (let a = 0; a < 3 && found < 0; a += 1) {
      const u = itemAxes[a]!;
      for (const candidate of [1, -1]) if (u.every((x, i) => Math.abs(candidate * x - v[i]!) <= 1e-3 * steps[a]!)) [found, s] = [a, candidate];
    }
    if (found < 0 || axis.includes(found)) throw new DelineateError('DLN_IMPORT_OFF_GRID', "The label map's voxel axes are not the item's");
    axis.push(found);
    sign.push(s);
  }
  // Item index of the NIfTI origin: solve item · index = nifti origin along each item axis.
  const origin = [nifti[3]! - item[3]!, nifti[7]! - item[7]!, nifti[11]! - item[11]!];
  const start = itemAxes.map((u, a) => {
    const n2 = u[0]! ** 2 + u[1]! ** 2 + u[2]! ** 2;
    const index = (origin[0]! * u[0]! + origin[1]! * u[1]! + origin[2]! * u[2]!) / n2;
    if (Math.abs(index - Math.round(index)) > 0.1) throw new DelineateError('DLN_IMPORT_OFF_GRID', "The label map's voxels lie between the item's", { axis: a });
    return Math.round(index);
  });
  return { axis, sign, start };
}

/** A NIfTI-1 label map on the item's grid (any axis order or flip); values are schema label values. */
function importNifti(bytes: Uint8Array, g: ItemVolumeGeometry, schemaLabels: readonly Label[]): ImportedMask {
  const image = decodeNifti(bytes);
  const values = niftiLabels(image);
  const { axis, sign, start } = axisMapping(image.affine, g);
  const dims = image.grid.dims;
  const itemDims = [g.columns, g.rows, g.slices];
  for (let c = 0; c < 3; c += 1) {
    const end = start[axis[c]!]! + sign[c]! * ((dims[c] ?? 1) - 1);
    if ((dims[c] ?? 1) !== itemDims[axis[c]!] || Math.min(start[axis[c]!]!, end) !== 0) {
      throw new DelineateError('DLN_IMPORT_OFF_GRID', 'The label map does not cover the item exactly', { axis: c });
    }
  }
  const strides = [1, g.columns, g.columns * g.rows];
  const step = [0, 1, 2].map((c) => sign[c]! * strides[axis[c]!]!);
  const base = start[0]! * strides[0]! + start[1]! * strides[1]! + start[2]! * strides[2]!;
  const labels = new Uint8Array(g.columns * g.rows * g.slices);
  const defined = new Map(schemaLabels.map((l) => [l.value, l]));
  let i = 0;
  for (let z = 0; z < (dims[2] ?? 1); z += 1) {
    for (let y = 0; y < (dims[1] ?? 1); y += 1) {
      let at = base + z * step[2]! + y * step[1]!;
      for (let x = 0; x < dims[0]!; x += 1, i += 1, at += step[0]!) {
        const value = values[i]!;
        if (value !== 0 && !defined.has(value)) {
          throw new DelineateError('DLN_REVISION_LABEL_UNDEFINED', `The label map holds label value ${value}, which the label schema does not define`, { labelValue: value });
        }
        labels[at] = value;
      }
    }
  }
  const counts = countValues(labels);
  const segments = [...defined.values()].filter((l) => counts[l.value]! > 0).map((l) => ({ fileSegment: l.value, labelKey: l.key, labelValue: l.value, voxels: counts[l.value]! }));
  return { format: 'nifti', labels, segments };
}

/**
 * A DICOM SEG, NIfTI-1 label map or RT Structure Set as a label volume on an item's grid with the values of the
 * annotation's label schema. Off-grid files (DLN_IMPORT_OFF_GRID), segments whose code no label
 * has (DLN_IMPORT_CODE_UNKNOWN) and empty files (DLN_IMPORT_EMPTY) are refused whole.
 */
export function importedMask(bytes: Uint8Array, geometry: ItemVolumeGeometry, schemaLabels: readonly Label[], roiLabels?: ReadonlyMap<number, string>): ImportedMask {
  const format = sniffMaskFormat(bytes);
  const mask =
    format === 'nifti' ? importNifti(bytes, geometry, schemaLabels) : isRtStruct(bytes) ? importRtStruct(bytes, geometry, schemaLabels, roiLabels) : importSegmentation(bytes, geometry, schemaLabels);
  if (mask.segments.every((s) => s.voxels === 0)) throw new DelineateError('DLN_IMPORT_EMPTY', 'The imported file labels no voxel of the item');
  return mask;
}

function isRtStruct(bytes: Uint8Array): boolean {
  return getString(readDicomFile(bytes).dataset, tag(0x0008, 0x0016)) === rtStructureSetStorage;
}

/** An RT Structure Set's ROIs rasterised on the item's grid (even-odd per slice, holes kept), as schema labels. */
function importRtStruct(bytes: Uint8Array, geometry: ItemVolumeGeometry, schemaLabels: readonly Label[], roiLabels?: ReadonlyMap<number, string>): ImportedMask {
  const rois = rtStructRois(bytes, segGrid(geometry), schemaLabels, geometry.seriesInstanceUid, roiLabels);
  const labels = paintRois(rois, geometry.columns * geometry.rows * geometry.slices);
  const counts = countValues(labels);
  return { format: 'rtstruct', labels, segments: rois.map(({ roiNumber, label }) => ({ fileSegment: roiNumber, labelKey: label.key, labelValue: label.value, voxels: counts[label.value]! })) };
}

/** The stored geometry of an item's series volume; DLN_CONFLICT for items without one (slides, series not yet placed). */
export async function itemVolumeGeometry(db: Kysely<DB>, itemId: string): Promise<ItemVolumeGeometry> {
  const row = await db
    .selectFrom('items')
    .leftJoin('series', 'series.id', 'items.series_id')
    .select(['items.kind', 'series.rows', 'series.columns', 'series.slices', 'series.spacing', 'series.origin', 'series.direction', 'series.series_instance_uid'])
    .where('items.id', '=', itemId)
    .executeTakeFirst();
  if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Item not found');
  const { rows, columns, slices, spacing, origin, direction } = row;
  if (row.kind !== 'series_volume' || !rows || !columns || !slices || spacing?.length !== 3 || origin?.length !== 3 || direction?.length !== 9) {
    throw new DelineateError('DLN_CONFLICT', 'Masks are imported onto series volumes with a known geometry');
  }
  const seriesInstanceUid = row.series_instance_uid ?? undefined;
  return { rows, columns, slices, spacing: spacing as [number, number, number], origin: origin as [number, number, number], direction, ...(seriesInstanceUid ? { seriesInstanceUid } : {}) };
}

export interface ImportMaskInput {
  readonly annotationId: string;
  /** The head the importer saw (`If-Match`); 0 before the first revision. */
  readonly expectedVersion: number;
  readonly idempotencyKey?: string | undefined;
  readonly author: { readonly kind: 'user'; readonly userId: string };
  readonly bytes: Uint8Array;
  /** RT Structure Sets: the labels the person chose for ROIs (ROI number → label key) in the review step. */
  readonly roiLabels?: ReadonlyMap<number, string> | undefined;
}

export interface ImportMaskResult extends SaveRevisionResult {
  readonly format: MaskImportFormat;
  readonly segments: readonly ImportedSegment[];
}

/**
 * Imports a DICOM SEG, NIfTI label map or RT Structure Set as a new revision (source `import`) of an annotation,
 * through the normal tiled save: the file is placed on the item's grid and mapped to the
 * annotation's label-schema version before anything is stored.
 */
export async function importMaskRevision(db: Kysely<DB>, annotations: AnnotationRepository, input: ImportMaskInput): Promise<ImportMaskResult> {
  const annotation = await annotations.get(input.annotationId);
  const geometry = await itemVolumeGeometry(db, annotation.itemId);
  const schema = await new LabelSchemaRepository(db).get(annotation.labelSchema.id, annotation.labelSchema.version);
  const mask = importedMask(input.bytes, geometry, schema.labels, input.roiLabels);
  const grid = await annotations.tileGrid(annotation.id);
  const cut = cutRle8(grid, encodeRle8(mask.labels));
  if (!cut.ok) throw new DelineateError('DLN_INTERNAL', 'An imported mask did not fit its own grid');
  const saved = await annotations.saveTiledRevision({
    annotationId: annotation.id,
    expectedVersion: input.expectedVersion,
    idempotencyKey: input.idempotencyKey,
    author: input.author,
    source: 'import',
    grid,
    tiles: cut.tiles,
    whole: true,
  });
  return { ...saved, format: mask.format, segments: mask.segments };
}
