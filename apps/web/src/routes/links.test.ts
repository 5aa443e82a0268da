import { describe, expect, it } from 'vitest';
import { describeError } from '../api';
import { isUuid, itemPath, LinkError, parseItemSearch, parseSearch, sameWork, stringifySearch } from './links';

const task = '0b6f2c52-52a4-4c1e-9d0a-3f3f3f3f3f3f';
const annotation = 'c4f1e2d3-0000-4000-8000-00000000abcd';
const item = '11111111-2222-4333-8444-555555555555';

describe('item links', () => {
  it('keeps a task, an annotation and a revision that are well formed', () => {
    expect(parseItemSearch({})).toEqual({});
    expect(parseItemSearch({ task, annotation, revision: '3' })).toEqual({ task, annotation, revision: 3 });
    expect(parseItemSearch({ task: '', annotation: '' })).toEqual({});
    // Anything else in the address is not part of an item link.
    expect(parseItemSearch({ task, other: 'x' })).toEqual({ task });
  });

  it('refuses malformed values with a coded error in words that never repeats the value', () => {
    for (const raw of [{ task: 'not-an-id' }, { annotation: `${annotation}x` }, { task: task.toUpperCase() }, { task: 42 }]) {
      expect(() => parseItemSearch(raw)).toThrow(LinkError);
    }
    for (const revision of ['0', '-1', '1.5', 'two', '1e2']) {
      expect(() => parseItemSearch({ annotation, revision })).toThrow(/revision is not a version number/);
    }
    expect(() => parseItemSearch({ revision: '2' })).toThrow(/needs the annotation/);
    try {
      parseItemSearch({ task: 'patient-Jane-Doe' });
    } catch (e) {
      expect(describeError(e)).toEqual({ code: 'DLN_WEB_LINK_INVALID', text: 'This link is not valid: its task is not an identifier.' });
      expect((e as Error).message).not.toContain('Jane');
    }
  });

  it('writes the search part as the plain pairs people already keep in links', () => {
    expect(stringifySearch({ task, annotation })).toBe(`?task=${task}&annotation=${annotation}`);
    expect(stringifySearch({ task: undefined, revision: 2, annotation })).toBe(`?revision=2&annotation=${annotation}`);
    expect(stringifySearch({})).toBe('');
    expect(parseSearch(`?task=${task}&annotation=${annotation}`)).toEqual({ task, annotation });
    expect(parseSearch('')).toEqual({});
    expect(itemPath(item, { task })).toBe(`/items/${item}?task=${task}`);
    expect(itemPath(item, {})).toBe(`/items/${item}`);
  });

  it('tells ids from other text', () => {
    expect(isUuid(task)).toBe(true);
    expect(isUuid('0b6f2c52-52a4-4c1e-9d0a-3f3f3f3f3f3')).toBe(false);
    expect(isUuid(undefined)).toBe(false);
  });
});

describe('the work open in the workspace', () => {
  const open = { itemId: item, taskId: task, annotationId: null };
  it('stays open when the workspace writes the annotation it found or created into the address', () => {
    expect(sameWork(open, { ...open, annotationId: annotation })).toBe(true);
    expect(sameWork({ ...open, annotationId: annotation }, { ...open, annotationId: annotation })).toBe(true);
  });
  it('is new work for another item, task or annotation', () => {
    expect(sameWork(open, { ...open, itemId: task })).toBe(false);
    expect(sameWork(open, { ...open, taskId: null })).toBe(false);
    expect(sameWork({ ...open, annotationId: annotation }, { ...open, annotationId: task })).toBe(false);
    expect(sameWork({ ...open, annotationId: annotation }, open)).toBe(false);
  });
});
