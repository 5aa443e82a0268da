import { describe, expect, it } from 'vitest';
import { deidOptions, normaliseDeidOption, optionCodes, parseDeidOptions } from './options';

describe('option vocabulary', () => {
  it('normalises CLI, standard and camel-case spellings to one name', () => {
    expect(normaliseDeidOption('retain-uids')).toBe('retain-uids');
    expect(normaliseDeidOption('Retain UIDs Option')).toBe('retain-uids');
    expect(normaliseDeidOption('retainSafePrivate')).toBe('retain-safe-private');
    expect(normaliseDeidOption('Retain Longitudinal Temporal Information Modified Dates Option')).toBe('modified-dates');
    expect(normaliseDeidOption('Retain Longitudinal Temporal Information Full Dates Option')).toBe('retain-longitudinal-full-dates');
    expect(normaliseDeidOption('clean pixel data')).toBe('clean-pixel-data');
    expect(normaliseDeidOption('retain-everything')).toBeUndefined();
  });

  it('parses lists and reports unknown names', () => {
    expect(parseDeidOptions('retain-uids, modified-dates,retain-uids')).toEqual({ options: ['retain-uids', 'modified-dates'], unknown: [] });
    expect(parseDeidOptions('retain-uids,bogus').unknown).toEqual(['bogus']);
  });

  it('has one distinct CID 7050 code per option', () => {
    const codes = deidOptions.map((o) => optionCodes[o].value);
    expect(new Set(codes).size).toBe(deidOptions.length);
    expect(optionCodes['retain-safe-private'].value).toBe('113111');
    expect(optionCodes['clean-pixel-data'].value).toBe('113101');
    expect(optionCodes['retain-institution-identity'].value).toBe('113112');
  });
});
