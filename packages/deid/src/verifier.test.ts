import { describe, expect, it } from 'vitest';
import { findNeedles } from './verifier';

function naive(hay: Uint8Array, needles: readonly Uint8Array[]): Set<number> {
  const text = Buffer.from(hay).toString('latin1').replace(/[A-Z]/g, (c) => c.toLowerCase());
  const found = new Set<number>();
  needles.forEach((needle, index) => {
    if (needle.length >= 4 && text.includes(Buffer.from(needle).toString('latin1'))) found.add(index);
  });
  return found;
}

describe('findNeedles', () => {
  it('agrees with a naive case-insensitive search on random data with planted values', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const needles = ['zebulon', 'quixote^marchbanks', 'acc99812377', 'abcd', 'mrn-7744'].map((s) => Uint8Array.from(Buffer.from(s)));
    needles.push(Uint8Array.from(Buffer.from('persimmon', 'utf16le')));
    for (let round = 0; round < 30; round += 1) {
      const hay = Uint8Array.from({ length: 5000 }, () => random() % 256);
      const planted = random() % needles.length;
      const at = random() % 4000;
      const text = Buffer.from(needles[planted] ?? []).toString('latin1');
      const mixed = round % 2 === 0 ? text.toUpperCase() : text;
      hay.set(Buffer.from(mixed, 'latin1'), at);
      if (round % 3 === 0) hay.set(Buffer.from('ZebuloN', 'latin1'), hay.length - 7);
      expect(findNeedles(hay, needles)).toEqual(naive(hay, needles));
      expect(findNeedles(hay, needles).has(planted)).toBe(true);
    }
  });

  it('finds a needle at the very start and end, and ignores needles shorter than 4', () => {
    const hay = Uint8Array.from(Buffer.from('SIMPSON middle homer'));
    const needles = ['simpson', 'homer', 'mid'].map((s) => Uint8Array.from(Buffer.from(s)));
    expect(findNeedles(hay, needles)).toEqual(new Set([0, 1]));
    expect(findNeedles(hay, [])).toEqual(new Set());
  });
});
