/**
 * A fundus label image: one value per pixel, row by row (index = x + width·y). The optic disc is
 * every pixel labelled disc or cup (the cup lies inside the disc, as REFUGE's masks have it).
 */
export interface FundusMask {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** The label values of the two structures in a {@link FundusMask}. */
export interface DiscCupLabels {
  readonly disc: number;
  readonly cup: number;
}

/** The disc (disc or cup pixels) and the cup, as 0/1 masks of the image's size. */
export function discAndCup(mask: FundusMask, labels: DiscCupLabels): { disc: Uint8Array; cup: Uint8Array } {
  const { data } = mask;
  if (data.length !== mask.width * mask.height) throw new RangeError('fundus mask data does not match its size');
  const disc = new Uint8Array(data.length);
  const cup = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === labels.cup) cup[i] = disc[i] = 1;
    else if (v === labels.disc) disc[i] = 1;
  }
  return { disc, cup };
}

/** The largest count of mask pixels in one column (axis 'vertical') or one row ('horizontal'). */
export function largestLineCount(binary: Uint8Array, width: number, height: number, axis: 'vertical' | 'horizontal'): number {
  const counts = new Uint32Array(axis === 'vertical' ? width : height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (binary[x + width * y]) counts[axis === 'vertical' ? x : y]! += 1;
  }
  let best = 0;
  for (const c of counts) if (c > best) best = c;
  return best;
}

/** Pixels from the first to the last row (vertical) or column (horizontal) the mask touches; 0 when empty. */
export function extent(binary: Uint8Array, width: number, height: number, axis: 'vertical' | 'horizontal'): number {
  let first = Infinity;
  let last = -Infinity;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!binary[x + width * y]) continue;
      const at = axis === 'vertical' ? y : x;
      if (at < first) first = at;
      if (at > last) last = at;
    }
  }
  return last >= first ? last - first + 1 : 0;
}

export function pixelCount(binary: Uint8Array): number {
  let n = 0;
  for (const v of binary) n += v;
  return n;
}

/** Cup over disc, NaN when the disc measure is 0 (no disc drawn). */
export function ratio(cup: number, disc: number): number {
  return disc > 0 ? cup / disc : NaN;
}
