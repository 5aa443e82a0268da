import { describe, expect, it } from 'vitest';
import type { GreyImage } from './grey-image';
import { glyphStrokes, sameWord, scaledBack } from './ocr-passes';

/** A 60×30 picture: a smooth ramp (texture) with a 2 px bright bar and a 2 px dark bar drawn over it. */
function rampWithBars(): GreyImage {
  const width = 60;
  const height = 30;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = x === 20 || x === 21 ? 250 : x === 40 || x === 41 ? 5 : 80 + x;
  }
  return { width, height, data };
}

const at = (image: GreyImage, x: number, y: number) => image.data[y * image.width + x];

describe('glyph strokes', () => {
  it('keeps only pixels far from their neighbourhood mean, black on white, in the polarity asked for', () => {
    const image = rampWithBars();
    const either = glyphStrokes(image, 0, 40)!;
    expect([at(either, 20, 15), at(either, 41, 15)]).toEqual([0, 0]);
    // The ramp itself is flattened away.
    expect([at(either, 5, 15), at(either, 30, 15), at(either, 55, 15)]).toEqual([255, 255, 255]);
    const bright = glyphStrokes(image, 1, 40)!;
    expect([at(bright, 20, 15), at(bright, 40, 15)]).toEqual([0, 255]);
    const dark = glyphStrokes(image, -1, 40)!;
    expect([at(dark, 20, 15), at(dark, 40, 15)]).toEqual([255, 0]);
  });

  it('is absent on a picture with no strokes, and enlarged by nearest neighbour when asked', () => {
    expect(glyphStrokes({ width: 8, height: 8, data: new Uint8Array(64).fill(90) }, 0, 40)).toBeUndefined();
    const big = glyphStrokes(rampWithBars(), 0, 40, 2)!;
    expect([big.width, big.height]).toEqual([120, 60]);
    expect([at(big, 40, 30), at(big, 43, 31), at(big, 10, 30)]).toEqual([0, 0, 255]);
  });
});

describe('words across passes', () => {
  it('maps a word read on an enlarged picture back to the frame, covering every pixel it covered', () => {
    expect(scaledBack({ box: { x: 41, y: 20, width: 30, height: 11 }, confidence: 70, characters: 4 }, 2)).toEqual({ box: { x: 20, y: 10, width: 16, height: 6 }, confidence: 70, characters: 4 });
  });

  it('takes boxes sharing half of the smaller one for the same word, and neighbours for two', () => {
    const word = { x: 10, y: 10, width: 40, height: 12 };
    expect(sameWord(word, { x: 12, y: 11, width: 36, height: 12 })).toBe(true);
    expect(sameWord(word, { x: 40, y: 10, width: 40, height: 12 })).toBe(false);
    expect(sameWord(word, { x: 60, y: 10, width: 40, height: 12 })).toBe(false);
  });
});
