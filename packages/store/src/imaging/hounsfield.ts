import { decodePixels, elementString, frameFunctionalGroup, getNumber, readDicomFile, readPixelSource, type PixelSource } from '@delineate/formats';
import { DelineateError } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../blob/types';
import { itemVolumeGeometry, type ItemVolumeGeometry } from '../masks/import-mask';
import { ItemRepository } from '../repositories/items';
import type { DB } from '../sql/tables';

/**
 * Hounsfield units of an item's de-identified slices: the viewer's volume route and the
 * pre-annotation runtimes read voxels the same way.
 */

function pixelSourceOf(bytes: Uint8Array, rows: number, columns: number): PixelSource {
  const source = readPixelSource(bytes);
  if (!source) throw new DelineateError('DLN_DICOM_INVALID', 'A slice has no pixel data');
  const d = source.description;
  if (d.rows !== rows || d.columns !== columns || d.samplesPerPixel !== 1 || (d.bitsAllocated !== 16 && d.bitsAllocated !== 8)) {
    throw new DelineateError('DLN_DICOM_INVALID', 'A slice does not match the volume grid or is not 8- or 16-bit greyscale');
  }
  return source;
}

/** Stored values of one decoded frame, rescaled (slope, intercept) and clamped to int16. */
function rescaled(frame: Uint8Array, source: PixelSource, slope: number, intercept: number): Int16Array {
  const d = source.description;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const out = new Int16Array(d.rows * d.columns);
  const signed = d.pixelRepresentation === 1;
  const read =
    d.bitsAllocated === 8
      ? (i: number) => (signed ? view.getInt8(i) : view.getUint8(i))
      : (i: number) => (signed ? view.getInt16(i * 2, true) : view.getUint16(i * 2, true));
  for (let i = 0; i < out.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(read(i) * slope + intercept)));
  return out;
}

/** HU voxels of one slice from its de-identified Part 10 bytes (rescale applied), row-major. */
export function sliceHounsfield(bytes: Uint8Array, rows: number, columns: number): Int16Array {
  const source = pixelSourceOf(bytes, rows, columns);
  const frame = decodePixels(source, [0]).frames[0];
  if (!frame) throw new DelineateError('DLN_DICOM_INVALID', 'A slice has no pixel data');
  const slope = Number(elementString(source.walked, 0x00281053) ?? '1') || 1;
  const intercept = Number(elementString(source.walked, 0x00281052) ?? '0') || 0;
  return rescaled(frame, source, slope, intercept);
}

/**
 * Voxels of some frames of one multi-frame instance (Enhanced MR/CT), each rescaled by its own
 * Pixel Value Transformation (per-frame, else shared functional group, else the top level).
 */
export function framesHounsfield(bytes: Uint8Array, rows: number, columns: number, frames: readonly number[]): Int16Array[] {
  const source = pixelSourceOf(bytes, rows, columns);
  const decoded = decodePixels(source, frames).frames;
  const dataset = readDicomFile(bytes).dataset;
  return frames.map((frame, k) => {
    const transform = frameFunctionalGroup(dataset, frame, 0x00289145) ?? dataset;
    const slope = getNumber(transform, 0x00281053) || 1;
    const intercept = getNumber(transform, 0x00281052) ?? 0;
    const pixels = decoded[k];
    if (!pixels) throw new DelineateError('DLN_DICOM_INVALID', 'A frame has no pixel data');
    return rescaled(pixels, source, slope, intercept);
  });
}

/** An item's whole volume in HU (x fastest, then y, then slice) with its stored geometry. */
export interface ItemHounsfield {
  readonly geometry: ItemVolumeGeometry;
  readonly hu: Int16Array;
}

/**
 * Reads an item's series volume as HU, slice by slice from its de-identified instances (or the
 * frames of one multi-frame instance). Instances exist only past the de-identification gate.
 */
export async function readItemHounsfield(db: Kysely<DB>, blobs: Pick<BlobStore, 'get'>, itemId: string): Promise<ItemHounsfield> {
  const geometry = await itemVolumeGeometry(db, itemId);
  const { rows, columns, slices } = geometry;
  const series = await db.selectFrom('items').innerJoin('series', 'series.id', 'items.series_id').select(['series.id', 'series.frame_order']).where('items.id', '=', itemId).executeTakeFirstOrThrow();
  const instances = await new ItemRepository(db).listInstances(series.id);
  const plane = rows * columns;
  const hu = new Int16Array(plane * slices);
  if (series.frame_order) {
    const only = instances[0];
    if (instances.length !== 1 || !only || series.frame_order.length !== slices) throw new DelineateError('DLN_CONFLICT', 'The volume is not one multi-frame instance');
    const frames = framesHounsfield(await blobs.get(only.blobHash), rows, columns, series.frame_order);
    frames.forEach((voxels, z) => hu.set(voxels, z * plane));
    return { geometry, hu };
  }
  if (instances.length !== slices) throw new DelineateError('DLN_CONFLICT', 'The series does not hold one instance per slice');
  for (let z = 0; z < slices; z++) hu.set(sliceHounsfield(await blobs.get(instances[z]!.blobHash), rows, columns), z * plane);
  return { geometry, hu };
}
