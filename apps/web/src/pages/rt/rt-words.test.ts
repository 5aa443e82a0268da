import { describe, expect, it } from 'vitest';
import { agreementNumber, derivedStateWords, fmaWords, marginWords, recipeWords } from './rt-words';

const names: Record<string, string> = { gtv_primary: 'GTV primary', ctv: 'CTV', ptv: 'PTV', mandible: 'Mandible', spinal_cord: 'Spinal cord' };
const nameOf = (k: string) => names[k] ?? k;
const even = (n: number) => ({ minusX: n, plusX: n, minusY: n, plusY: n, minusZ: n, plusZ: n });
const structure = { target: 'ctv', recipe: { kind: 'union' as const, sources: ['gtv_primary', 'ctv'] }, recipeVersion: 1, computedVersion: 3, editedVersion: null, staleVersion: null, detachedVersion: null, updatedAt: '2026-01-01T00:00:00.000Z' };

describe('radiotherapy words', () => {
  it('says margins in one figure when even and per direction when not', () => {
    expect(marginWords(even(5))).toBe('5 mm in every direction');
    expect(marginWords({ ...even(5), minusZ: 10, plusZ: 7.5 })).toBe('5 mm left and right, 5 mm front and back, 10 mm downwards, 7.5 mm upwards');
  });

  it('says recipes with structure names, never keys', () => {
    expect(recipeWords({ kind: 'margin', sources: ['gtv_primary'], margin: even(5), clips: ['mandible', 'spinal_cord'] }, nameOf)).toBe(
      'GTV primary grown by 5 mm in every direction, not into Mandible and Spinal cord',
    );
    expect(recipeWords({ kind: 'subtraction', sources: ['ptv', 'ctv', 'gtv_primary'] }, nameOf)).toBe('PTV without CTV and GTV primary');
    expect(recipeWords({ kind: 'intersection', sources: ['ptv', 'mandible'] }, nameOf)).toBe('where PTV and Mandible overlap');
  });

  it('says where a derived structure stands, with its versions', () => {
    expect(derivedStateWords(structure).title).toBe('Derived');
    expect(derivedStateWords({ ...structure, editedVersion: 4 }).detail).toContain('version 4');
    expect(derivedStateWords({ ...structure, editedVersion: 4, staleVersion: 6 })).toEqual({
      title: 'Out of date',
      detail: 'You edited it in version 4, and its sources changed in version 6. It was left as you drew it: check it, derive it again or detach it.',
    });
    expect(derivedStateWords({ ...structure, detachedVersion: 7 }).title).toBe('Detached');
  });

  it('says an FMA identifier beside the code when there is one', () => {
    expect(fmaWords({ fma: { id: 'FMA:7088', name: 'Heart' } })).toBe('FMA 7088 (Heart)');
    expect(fmaWords({})).toBeNull();
  });

  it('says an agreement measure with its digits, or that it is not defined', () => {
    expect(agreementNumber(1.25, 2)).toBe('1.25');
    expect(agreementNumber(null, 2)).toBe('not defined');
  });
});
