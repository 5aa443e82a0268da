import { labelSchemaTemplate } from '@delineate/schema';
import { describe, expect, it } from 'vitest';
import { defaultSources, emptyForm, lockedLabelValues, recipeOf } from './derived-recipes';

const labels = labelSchemaTemplate('rt-head-neck').labels;
const label = (key: string) => labels.find((l) => l.key === key);

describe('derived-structure recipes in the workspace', () => {
  it('grows a CTV from the GTVs and a PTV from every target inside it by default', () => {
    expect(defaultSources(label('ctv'), labels)).toEqual(['gtv_primary', 'gtv_nodal']);
    expect(defaultSources(label('ptv'), labels)).toEqual(['gtv_primary', 'gtv_nodal', 'ctv', 'itv']);
    expect(defaultSources(label('brainstem'), labels)).toEqual([]);
  });

  it('makes a margin recipe with one or six margins and refuses what is missing', () => {
    expect(recipeOf({ ...emptyForm(5), sources: [] })).toEqual({ ok: false, reason: 'Choose the structure to grow from.' });
    const even = recipeOf({ ...emptyForm(3), sources: ['gtv_primary'], clips: ['mandible', 'gtv_primary'] });
    expect(even).toEqual({ ok: true, recipe: { kind: 'margin', sources: ['gtv_primary'], margin: { minusX: 3, plusX: 3, minusY: 3, plusY: 3, minusZ: 3, plusZ: 3 }, clips: ['mandible'] } });
    const uneven = recipeOf({ ...emptyForm(5), even: false, sources: ['ctv'], margin: { minusX: 5, plusX: 5, minusY: 5, plusY: 5, minusZ: 10, plusZ: 120 } });
    expect(uneven).toEqual({ ok: false, reason: 'Each margin is between 0 and 100 mm.' });
    expect(recipeOf({ ...emptyForm(), kind: 'union', sources: ['ctv'] })).toEqual({ ok: false, reason: 'Choose at least two structures.' });
  });

  it('locks the derived structures that are not detached', () => {
    const base = { recipe: { kind: 'union' as const, sources: ['a', 'b'] }, recipeVersion: 1, computedVersion: 2, editedVersion: null, staleVersion: null, updatedAt: '' };
    const locked = lockedLabelValues([{ ...base, target: 'ctv', detachedVersion: null }, { ...base, target: 'ptv', detachedVersion: 3 }], labels);
    expect([...locked]).toEqual([label('ctv')!.value]);
  });
});
