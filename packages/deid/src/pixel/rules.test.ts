import { describe, expect, it } from 'vitest';
import { defaultPixelRules } from './default-rules';
import { matchingRules, parsePixelRules, rectContains } from './rules';

const epiq = { manufacturer: 'Philips Medical Systems ', model: 'EPIQ 5G', modality: 'US', rows: 768, columns: 1024, imageType: ['ORIGINAL', 'PRIMARY', 'SMALL PARTS'] };

describe('pixel rules file', () => {
  it('validates and rejects a rule with a bad rectangle, naming the path and never a value', () => {
    const bad = { version: 1, rules: [{ id: 'x', match: { rows: 10 }, blank: [{ x: 0, y: 0, width: 0, height: 4 }] }] };
    expect(() => parsePixelRules(bad)).toThrow(expect.objectContaining({ code: 'DLN_CONFIG_INVALID', message: expect.stringContaining('rules.0.blank.0.width') }));
  });

  it('rejects a rule that matches everything, unknown keys and repeated ids', () => {
    expect(() => parsePixelRules({ version: 1, rules: [{ id: 'all', match: {} }] })).toThrow(/at least one attribute/);
    expect(() => parsePixelRules({ version: 1, rules: [{ id: 'a', match: { rows: 1 }, colour: 'red' }] })).toThrow(/DLN_CONFIG_INVALID|invalid/i);
    expect(() => parsePixelRules({ version: 1, rules: [{ id: 'a', match: { rows: 1 } }, { id: 'a', match: { rows: 2 } }] })).toThrow(/repeated/);
  });

  it('matches on manufacturer (case-insensitive, trailing * as prefix), model, size and every listed ImageType value', () => {
    const rules = parsePixelRules({
      version: 1,
      rules: [
        { id: 'prefix', match: { manufacturer: 'philips*', imageType: ['PRIMARY'] }, blank: [{ x: 0, y: 0, width: 10, height: 10 }] },
        { id: 'size', match: { rows: 512, columns: 512 } },
        { id: 'derived', match: { manufacturer: 'Philips Medical Systems', imageType: ['DERIVED'] } },
      ],
    });
    expect(matchingRules(rules, epiq).map((r) => r.id)).toEqual(['prefix']);
    expect(rules.rules[0]?.allowText).toEqual([]);
  });

  it('ships a default rule for the EPIQ 5G that allows the parameter panels but not the top banner', () => {
    const [rule] = matchingRules(defaultPixelRules, epiq);
    expect(rule?.id).toBe('philips-epiq-5g-us-1024x768');
    const banner = { x: 184, y: 6, width: 97, height: 13 };
    const panel = { x: 16, y: 181, width: 31, height: 19 };
    expect(rule?.allowText.some((a) => rectContains(a, banner))).toBe(false);
    expect(rule?.allowText.some((a) => rectContains(a, panel))).toBe(true);
    expect(matchingRules(defaultPixelRules, { ...epiq, rows: 600 })).toEqual([]);
  });
});
