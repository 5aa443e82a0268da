import { describe, expect, it } from 'vitest';
import { RegionTaskTemplate } from '@delineate/schema';
import { defaultTemplateForm, templateOf, tilingWords } from './region-template';

describe('the region task template form', () => {
  it('builds a template the API schema accepts', () => {
    const result = templateOf({ ...defaultTemplateForm, labelKeys: ['tumour', 'stroma'] });
    if (!result.ok) throw new Error(result.problem);
    const parsed = RegionTaskTemplate.parse(result.template);
    expect(parsed).toMatchObject({ magnification: 40, fieldTiling: { kind: 'hpf', areaMm2: 0.237 }, labelKeys: ['tumour', 'stroma'], qualificationKinds: ['pathologist'] });
    expect(parsed.cellClasses.map((c) => [c.key, c.shape, c.lookAlikeOf ?? null])).toEqual([
      ['nucleus', 'polygon', null],
      ['mitotic_figure', 'point', null],
      ['mitotic_lookalike', 'point', 'mitotic_figure'],
    ]);
    const fixed = templateOf({ ...defaultTemplateForm, tiling: 'fixed', fieldSize: 250, cells: false, labelKeys: ['tumour'] });
    expect(fixed.ok && fixed.template.fieldTiling).toEqual({ kind: 'fixed', sizeUm: 250 });
    expect(fixed.ok && fixed.template.cellClasses).toEqual([]);
  });

  it('says what is wrong in words before anything is sent', () => {
    expect(templateOf({ ...defaultTemplateForm, fieldSize: 9 })).toEqual({ ok: false, problem: 'A high-power field is between 0.01 and 5 mm².' });
    expect(templateOf({ ...defaultTemplateForm, tiling: 'fixed', fieldSize: 5 })).toEqual({ ok: false, problem: 'A fixed field is between 10 and 10,000 µm wide.' });
    expect(templateOf({ ...defaultTemplateForm, cells: false })).toEqual({ ok: false, problem: 'Choose the tissue classes to paint, or record cells.' });
    expect(tilingWords({ tiling: 'hpf', fieldSize: 0.237 })).toBe('high-power fields of 0.237 mm²');
  });
});
