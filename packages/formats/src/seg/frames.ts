import { DelineateError } from '@delineate/schema';

/** One frame to write: a segment (0 for a LABELMAP frame, which holds every segment) on a source slice. */
export interface PlannedFrame {
  readonly segment: number;
  readonly slice: number;
}

/**
 * Which label values each slice holds, in one pass over the volume: `present[slice·256 + v]` is
 * 1 when value v occurs on that slice. Refuses a value that is not a declared segment.
 */
export function labelsPerSlice(labels: Uint8Array, sliceSize: number, slices: number, declared: ReadonlySet<number>): Uint8Array {
  const present = new Uint8Array(slices * 256);
  const words = wordsOf(labels);
  for (let k = 0; k < slices; k += 1) {
    const base = k * 256;
    let i = k * sliceSize;
    const end = (k + 1) * sliceSize;
    // Masks are mostly background: skip eight zero voxels at a time where the bytes allow it.
    if (words) {
      for (; i < end && (i & 3) !== 0; i += 1) present[base + labels[i]!] = 1;
      for (; i + 8 <= end; i += 8) {
        if ((words[i >>> 2]! | words[(i >>> 2) + 1]!) !== 0) {
          for (let j = i; j < i + 8; j += 1) present[base + labels[j]!] = 1;
        }
      }
    }
    for (; i < end; i += 1) present[base + labels[i]!] = 1;
  }
  for (let k = 0; k < slices; k += 1) {
    for (let v = 1; v < 256; v += 1) {
      if (present[k * 256 + v] === 1 && !declared.has(v)) {
        throw new DelineateError('DLN_SEG_INPUT_INVALID', 'The label volume holds a value that is not a declared segment', { value: v, slice: k });
      }
    }
  }
  return present;
}

/** A 32-bit view of the same bytes (host order; only compared with zero), when they are aligned for one. */
export function wordsOf(bytes: Uint8Array): Uint32Array | undefined {
  return bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2) : undefined;
}

/** Whether any byte of the slice is non-zero (a soft label with any probability there). */
export function sliceHoldsAny(values: Uint8Array, start: number, length: number): boolean {
  const end = start + length;
  for (let i = start; i < end; i += 1) if (values[i] !== 0) return true;
  return false;
}

/**
 * Sets bit `bitOffset + i` of `out` for every voxel i of the slice that equals `segment`, bits
 * packed least significant first as PS3.5 8.1.1 wants for 1-bit pixels; frames follow each other
 * without padding, so a frame may start mid-byte.
 */
export function packSegmentBits(
  labels: Uint8Array,
  start: number,
  length: number,
  segment: number,
  out: Uint8Array,
  bitOffset: number,
  words: Uint32Array | undefined = wordsOf(labels),
): void {
  let i = start;
  const end = start + length;
  let bit = bitOffset;
  // Leading voxels up to a byte boundary, one bit at a time.
  for (; i < end && (bit & 7) !== 0; i += 1, bit += 1) if (labels[i] === segment) out[bit >>> 3]! |= 1 << (bit & 7);
  let o = bit >>> 3;
  const whole = end - ((end - i) & 7);
  const skipZeros = words !== undefined && (i & 3) === 0;
  for (; i < whole; i += 8) {
    // Eight background voxels leave their byte zero, as allocated.
    if (skipZeros && words[i >>> 2] === 0 && words[(i >>> 2) + 1] === 0) {
      o += 1;
      continue;
    }
    out[o++] =
      (labels[i] === segment ? 1 : 0) |
      (labels[i + 1] === segment ? 2 : 0) |
      (labels[i + 2] === segment ? 4 : 0) |
      (labels[i + 3] === segment ? 8 : 0) |
      (labels[i + 4] === segment ? 16 : 0) |
      (labels[i + 5] === segment ? 32 : 0) |
      (labels[i + 6] === segment ? 64 : 0) |
      (labels[i + 7] === segment ? 128 : 0);
  }
  bit = o * 8;
  for (; i < end; i += 1, bit += 1) if (labels[i] === segment) out[bit >>> 3]! |= 1 << (bit & 7);
}

/** Frame f of bit-packed 1-bit pixel data, unpacked to one byte (0 or 1) per pixel. */
export function unpackFrameBits(data: Uint8Array, frame: number, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels);
  const first = frame * pixels;
  if (Math.ceil((first + pixels) / 8) > data.length) throw new DelineateError('DLN_SEG_INVALID', 'Pixel Data is shorter than its frames', { frame });
  for (let i = 0; i < pixels; i += 1) {
    const bit = first + i;
    out[i] = (data[bit >>> 3]! >>> (bit & 7)) & 1;
  }
  return out;
}
