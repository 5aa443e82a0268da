import type { Grid } from '@delineate/core';
import { decodePixels, elementString, frameFunctionalGroup, getString, hasFunctionalGroups, readDicomFile, readPixelSource } from '@delineate/formats';
import { DelineateError, type ManifestItem } from '@delineate/schema';

/** An item's image on its grid: CT as int16 HU, other modalities as their rescaled values. */
export interface ItemImage {
  readonly data: Int16Array | Float32Array;
  /** The channel's name in the layouts' dataset.json (nnU-Net normalises "CT" as CT). */
  readonly channel: string;
}

const fail = (message: string): never => {
  throw new DelineateError('DLN_RELEASE_EXPORT_IMAGE', message);
};

/**
 * Decodes the item's de-identified instances into one volume on the item's grid: voxel
 * (i, j, k) is column i, row j of the slice k steps along the normal from the grid's origin,
 * the layout the label maps and `niftiAffineFromGeometry` use, so image and label share one
 * affine. Each slice (or enhanced frame) is placed by its image position, not by file or frame order.
 */
export function itemImage(item: ManifestItem, grid: Grid, instances: readonly Uint8Array[]): ItemImage {
  const [nx, ny, nz] = grid.dims;
  const perSlice = nx * ny;
  const hu = new Float64Array(perSlice * nz);
  const filled = new Uint8Array(nz);
  const { origin, spacing, direction } = item.geometry;
  const normal = [direction[6] ?? 0, direction[7] ?? 0, direction[8] ?? 1];
  for (const bytes of instances) {
    const source = readPixelSource(bytes) ?? fail('A source instance of the item has no pixel data');
    const d = source.description;
    if (d.columns !== nx || d.rows !== ny || d.samplesPerPixel !== 1) fail("A source instance does not match the item's grid");
    const decoded = decodePixels(source);
    const frames = frameGeometry(bytes, source.walked, decoded.frames.length);
    for (const [f, frame] of decoded.frames.entries()) {
      const { position, slope, intercept } = frames[f]!;
      const k = sliceIndex(position, origin, normal, spacing[2], nz);
      if (filled[k]) fail('Two source frames fall on one slice of the grid');
      const values = storedValues(frame, d.bitsAllocated, d.pixelRepresentation);
      const base = k * perSlice;
      for (let v = 0; v < perSlice; v++) hu[base + v] = (values[v] ?? 0) * slope + intercept;
      filled[k] = 1;
    }
  }
  if (filled.some((f) => f === 0)) fail("The item's source instances do not cover every slice of its grid");
  if (item.modality === 'CT') {
    const data = new Int16Array(hu.length);
    for (let i = 0; i < hu.length; i++) data[i] = Math.max(-32768, Math.min(32767, Math.round(hu[i]!)));
    return { data, channel: 'CT' };
  }
  return { data: Float32Array.from(hu), channel: item.modality };
}

interface FrameGeometry {
  readonly position: string | undefined;
  readonly slope: number;
  readonly intercept: number;
}

const PLANE_POSITION = 0x00209113;
const PIXEL_VALUE_TRANSFORMATION = 0x00289145;
const IMAGE_POSITION = 0x00200032;
const RESCALE_INTERCEPT = 0x00281052;
const RESCALE_SLOPE = 0x00281053;
const numberOr = (text: string | undefined, fallback: number) => (text !== undefined && Number.isFinite(Number(text)) && text.trim() !== '' ? Number(text) : fallback);

/**
 * Each frame's position and rescale: a classic image's from its top level, an enhanced
 * multi-frame object's from its functional groups (Plane Position, Pixel Value Transformation).
 */
function frameGeometry(bytes: Uint8Array, walked: Parameters<typeof elementString>[0], count: number): FrameGeometry[] {
  const top = { position: elementString(walked, IMAGE_POSITION), slope: numberOr(elementString(walked, RESCALE_SLOPE), 1), intercept: numberOr(elementString(walked, RESCALE_INTERCEPT), 0) };
  if (count === 1 && top.position !== undefined) return [top];
  const dataset = readDicomFile(bytes).dataset;
  if (!hasFunctionalGroups(dataset)) return Array.from({ length: count }, () => top);
  return Array.from({ length: count }, (_, f) => {
    const plane = frameFunctionalGroup(dataset, f, PLANE_POSITION);
    const transform = frameFunctionalGroup(dataset, f, PIXEL_VALUE_TRANSFORMATION);
    return {
      position: plane ? getString(plane, IMAGE_POSITION) : undefined,
      slope: transform ? numberOr(getString(transform, RESCALE_SLOPE), 1) : top.slope,
      intercept: transform ? numberOr(getString(transform, RESCALE_INTERCEPT), 0) : top.intercept,
    };
  });
}

function sliceIndex(text: string | undefined, origin: readonly number[], normal: readonly number[], step: number, slices: number): number {
  if (slices === 1) return 0;
  const position = (text ?? '').split('\\').map(Number);
  if (position.length !== 3 || position.some((x) => !Number.isFinite(x))) fail('A source slice has no image position');
  const along = [0, 1, 2].reduce((sum, a) => sum + (position[a]! - origin[a]!) * normal[a]!, 0);
  const k = Math.round(along / step);
  if (k < 0 || k >= slices || Math.abs(along / step - k) > 0.01) fail("A source slice lies off the item's grid");
  return k;
}

function storedValues(frame: Uint8Array, bits: number, signed: number): ArrayLike<number> {
  const buffer = frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength);
  if (bits === 8) return signed ? new Int8Array(buffer) : new Uint8Array(buffer);
  if (bits === 16) return signed ? new Int16Array(buffer) : new Uint16Array(buffer);
  if (bits === 32) return signed ? new Int32Array(buffer) : new Uint32Array(buffer);
  return fail('The source pixels have an unsupported bit depth');
}
