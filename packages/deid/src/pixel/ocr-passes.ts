import { boxMeans } from '@delineate/core';
import type { GreyImage } from './grey-image';
import type { PixelRect, TextBox } from './ocr';

/**
 * The pictures OCR reads of one frame. Tesseract binarises a page with one global threshold, so
 * a name drawn straight over a photograph's texture is lost in it; but a device draws its overlay
 * in strokes far brighter (or darker) than what lies around them.
 * - `plain`: the frame as it is;
 * - `glyph-strokes`: only the pixels brighter or darker than the mean of their neighbourhood by
 *   half a glyph's contrast, drawn black on white: the texture around a name flattens to white
 *   (a flat banner's pixels right beside the glyphs join them, which thickens small glyphs).
 *   A mostly white picture, so it costs a fraction of the plain pass; skipped when no pixel qualifies;
 * - `bright-strokes` / `dark-strokes`: one polarity only (measured: fewer names, more texture words);
 * - `glyph-strokes-enlarged`: `glyph-strokes` ×2, for 8–10 px glyphs (measured: a few more names,
 *   five times the texture words, 1.7× the time).
 * None is in the default but `plain` and `glyph-strokes`; the others stay for the recall harness's table.
 */
export type OcrPass = 'plain' | 'glyph-strokes' | 'bright-strokes' | 'dark-strokes' | 'glyph-strokes-enlarged';

export const defaultOcrPasses: readonly OcrPass[] = ['plain', 'glyph-strokes'];

/** Half-width of the neighbourhood a stroke is compared with: wider than a 22 px glyph's stroke, narrow enough to follow texture. */
const RADIUS = 7;

/**
 * The glyph-stroke picture: black where a pixel is brighter (`polarity` 1), darker (-1) or either (0) than
 * the mean of its neighbourhood by at least `contrast` grey levels, white elsewhere, enlarged by
 * `scale`; undefined when no pixel is.
 */
export function glyphStrokes(image: GreyImage, polarity: 1 | -1 | 0, contrast: number, scale = 1): GreyImage | undefined {
  const { width, height } = image;
  const means = boxMeans(width, height, RADIUS, (i) => image.data[i]!);
  const strokes = new Uint8Array(width * height).fill(255);
  let any = false;
  for (let i = 0; i < width * height; i++) {
    const d = image.data[i]! - means[i]!;
    if ((polarity === 0 ? Math.abs(d) : d * polarity) >= contrast) {
      strokes[i] = 0;
      any = true;
    }
  }
  if (!any) return undefined;
  if (scale === 1) return { width, height, data: strokes };
  const big = new Uint8Array(width * scale * height * scale);
  for (let y = 0; y < height * scale; y++) {
    for (let x = 0; x < width * scale; x++) big[y * width * scale + x] = strokes[Math.floor(y / scale) * width + Math.floor(x / scale)]!;
  }
  return { width: width * scale, height: height * scale, data: big };
}

/** A word read on an enlarged picture, in the frame's own pixels. */
export function scaledBack(word: TextBox, scale: number): TextBox {
  const x = Math.floor(word.box.x / scale);
  const y = Math.floor(word.box.y / scale);
  return { ...word, box: { x, y, width: Math.ceil((word.box.x + word.box.width) / scale) - x, height: Math.ceil((word.box.y + word.box.height) / scale) - y } };
}

/** Whether two boxes share at least half of the smaller one: the same word read twice. */
export function sameWord(a: PixelRect, b: PixelRect): boolean {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 && w * h * 2 >= Math.min(a.width * a.height, b.width * b.height);
}
