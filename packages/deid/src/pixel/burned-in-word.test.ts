import { describe, expect, it } from 'vitest';
import { burnedInTextFinding, glyphContrast, isBurnedInWord } from './burned-in-word';
import { defaultPixelPolicy } from './inspect';
import type { GreyImage } from './grey-image';
import type { TextBox } from './ocr';

/** A 100×40 grey picture: left half glyph strokes (0 and 255 columns), right half texture (110 and 140). */
function picture(): GreyImage {
  const width = 100;
  const height = 40;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = x < 50 ? (x % 4 < 2 ? 255 : 0) : x % 4 < 2 ? 140 : 110;
  }
  return { width, height, data };
}

const glyphs: TextBox = { box: { x: 4, y: 10, width: 40, height: 16 }, confidence: 90, characters: 5 };
const texture: TextBox = { box: { x: 54, y: 10, width: 40, height: 16 }, confidence: 90, characters: 5 };

describe('glyph contrast', () => {
  it('is the spread from the 2nd to the 98th percentile of the box', () => {
    const image = picture();
    expect(glyphContrast(image, glyphs.box)).toBe(255);
    expect(glyphContrast(image, texture.box)).toBe(30);
  });

  it('ignores a speck of under 2 % of the box, clips boxes to the image and gives 0 outside it', () => {
    const width = 10;
    const data = new Uint8Array(width * 10).fill(100);
    data[55] = 255;
    const image = { width, height: 10, data };
    expect(glyphContrast(image, { x: 0, y: 0, width: 10, height: 10 })).toBe(0);
    expect(glyphContrast(image, { x: 5, y: 5, width: 1, height: 1 })).toBe(0);
    expect(glyphContrast(image, { x: 4, y: 4, width: 2, height: 2 })).toBe(155);
    expect(glyphContrast(image, { x: -5, y: -5, width: 100, height: 100 })).toBe(0);
    expect(glyphContrast(image, { x: 20, y: 20, width: 5, height: 5 })).toBe(0);
  });
});

describe('isBurnedInWord', () => {
  const image = picture();

  it('holds a confident, long, high-contrast word outside the allowed regions', () => {
    expect(isBurnedInWord(image, glyphs, defaultPixelPolicy)).toBe(true);
  });

  it('lets through a word below the confidence or length the policy asks for', () => {
    expect(isBurnedInWord(image, { ...glyphs, confidence: defaultPixelPolicy.minConfidence - 1 }, defaultPixelPolicy)).toBe(false);
    expect(isBurnedInWord(image, { ...glyphs, confidence: defaultPixelPolicy.minConfidence }, defaultPixelPolicy)).toBe(true);
    expect(isBurnedInWord(image, { ...glyphs, characters: defaultPixelPolicy.minCharacters - 1 }, defaultPixelPolicy)).toBe(false);
  });

  it('lets through a confident word in low-contrast texture, at the default or the policy’s own threshold', () => {
    expect(defaultPixelPolicy.minGlyphContrast).toBeUndefined();
    expect(isBurnedInWord(image, texture, defaultPixelPolicy)).toBe(false);
    expect(isBurnedInWord(image, texture, { ...defaultPixelPolicy, minGlyphContrast: 30 })).toBe(true);
    expect(isBurnedInWord(image, glyphs, { ...defaultPixelPolicy, minGlyphContrast: 256 })).toBe(false);
  });

  it('lets through a word inside a region where the device’s text is allowed (one pixel of OCR jitter tolerated)', () => {
    expect(isBurnedInWord(image, glyphs, defaultPixelPolicy, [{ x: 5, y: 11, width: 38, height: 14 }])).toBe(false);
    expect(isBurnedInWord(image, glyphs, defaultPixelPolicy, [{ x: 6, y: 10, width: 40, height: 16 }])).toBe(true);
    expect(isBurnedInWord(image, glyphs, defaultPixelPolicy, [{ x: 50, y: 0, width: 50, height: 40 }])).toBe(true);
  });
});

describe('burnedInTextFinding', () => {
  it('names the frame, the box and the rounded confidence of a word, and nothing else', () => {
    expect(burnedInTextFinding({ ...glyphs, confidence: 61.6 }, 3)).toEqual({
      kind: 'burned-in-text',
      frame: 3,
      region: { x: 4, y: 10, width: 40, height: 16, frame: 3, source: 'ocr' },
      detail: 'confidence 62',
    });
  });
});
