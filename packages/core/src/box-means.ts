/**
 * The mean of the (2·half + 1)² square around every pixel of a one-channel image, clipped at its
 * edges, from a summed-area table: constant time per pixel whatever the square's size. Local
 * contrast (a pixel against its neighbourhood) for the fundus viewer and the gate's OCR passes.
 * `valueAt(i)` reads pixel i (row-major), so a channel of an interleaved image needs no copy.
 */
export function boxMeans(width: number, height: number, half: number, valueAt: (i: number) => number): Float64Array {
  const w = width + 1;
  const sums = new Float64Array(w * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += valueAt(y * width + x);
      sums[(y + 1) * w + x + 1] = sums[y * w + x + 1]! + row;
    }
  }
  const means = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    const y0 = Math.max(0, y - half), y1 = Math.min(height, y + half + 1);
    for (let x = 0; x < width; x++) {
      const x0 = Math.max(0, x - half), x1 = Math.min(width, x + half + 1);
      means[y * width + x] = (sums[y1 * w + x1]! - sums[y0 * w + x1]! - sums[y1 * w + x0]! + sums[y0 * w + x0]!) / ((y1 - y0) * (x1 - x0));
    }
  }
  return means;
}
