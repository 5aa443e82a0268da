/**
 * COCO run-length encoding of a binary mask, as pycocotools writes it: runs over the pixels in
 * column-major order (down each column, then the next column), alternating background and
 * foreground and starting with background (possibly a zero run); `counts` compressed to a string
 * with pycocotools' `rleToString` (5-bit groups, each run after the second stored as its
 * difference from the run two before, characters offset by 48).
 */
export interface CocoRle {
  readonly size: [height: number, width: number];
  readonly counts: string;
}

/** Uncompressed runs of `mask` (row-major, `width` × `height`) where `inside(value)` holds. */
export function cocoRuns(mask: Uint8Array, width: number, height: number, inside: (value: number) => boolean): number[] {
  const counts: number[] = [];
  let current = false, run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const on = inside(mask[y * width + x]!);
      if (on !== current) {
        counts.push(run);
        run = 0;
        current = on;
      }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

export function compressCocoCounts(counts: readonly number[]): string {
  let out = '';
  counts.forEach((count, i) => {
    let x = i > 2 ? count - counts[i - 2]! : count;
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out += String.fromCharCode(c + 48);
    }
  });
  return out;
}

export function decompressCocoCounts(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0, k = 0, more = true, c = 0;
    while (more) {
      c = s.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2]!;
    counts.push(x);
  }
  return counts;
}

export function cocoRle(mask: Uint8Array, width: number, height: number, inside: (value: number) => boolean): CocoRle {
  return { size: [height, width], counts: compressCocoCounts(cocoRuns(mask, width, height, inside)) };
}
