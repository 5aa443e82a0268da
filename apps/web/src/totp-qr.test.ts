import jsQR from 'jsqr';
import { describe, expect, it } from 'vitest';
import { qrModules, qrPath } from './totp-qr';

/** Draws the modules as an RGBA image, `scale` pixels per module, as a camera would see it. */
function toImage(modules: boolean[][], scale: number): { data: Uint8ClampedArray; width: number; height: number } {
  const size = modules.length * scale;
  const data = new Uint8ClampedArray(size * size * 4).fill(255);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!modules[Math.floor(y / scale)]![Math.floor(x / scale)]) continue;
      const i = (y * size + x) * 4;
      data[i] = data[i + 1] = data[i + 2] = 0;
    }
  }
  return { data, width: size, height: size };
}

describe('TOTP enrolment QR code', () => {
  const uri = 'otpauth://totp/Delineate:demo.annotator?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Delineate&algorithm=SHA1&digits=6&period=30';

  it('decodes back to the otpauth URI with an independent reader', () => {
    const modules = qrModules(uri);
    const image = toImage(modules, 4);
    expect(jsQR(image.data, image.width, image.height)?.data).toBe(uri);
  });

  it('has a quiet zone and the three finder patterns where the standard puts them', () => {
    const modules = qrModules(uri);
    const size = modules.length;
    expect(modules.every((row) => row.length === size)).toBe(true);
    // (size - 8) is 17 + 4 × version modules, the symbol's side.
    expect((size - 8 - 17) % 4).toBe(0);
    for (const line of [modules[0]!, modules[3]!, modules[size - 1]!, modules.map((r) => r[0]!)]) expect(line.every((m) => !m)).toBe(true);
    const finder = (top: number, left: number) =>
      Array.from({ length: 7 }, (_, y) => Array.from({ length: 7 }, (_, x) => (modules[top + y]![left + x] ? '#' : '.')).join('')).join('/');
    const expected = '#######/#.....#/#.###.#/#.###.#/#.###.#/#.....#/#######';
    expect(finder(4, 4)).toBe(expected);
    expect(finder(4, size - 11)).toBe(expected);
    expect(finder(size - 11, 4)).toBe(expected);
  });

  it('draws one unit square per dark module', () => {
    const modules = qrModules(uri);
    const dark = modules.flat().filter(Boolean).length;
    expect(qrPath(modules).match(/M/g)).toHaveLength(dark);
  });
});
