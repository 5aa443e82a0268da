import { describe, expect, it } from 'vitest';
import type { PickedFile } from './folder-entries';
import { isPhotographName, withLaterality } from './photo-laterality';

const picked = (path: string) => ({ file: new Blob([]) as File, path }) as PickedFile;

describe('the eye of uploaded photographs', () => {
  it('knows photographs by their name', () => {
    expect(['a.png', 'b.JPG', 'c.jpeg', 'd.dcm', 'e.zip', 'png'].map(isPhotographName)).toEqual([true, true, true, false, false, false]);
  });

  it('refuses photographs in words until an eye is chosen, and gives the chosen eye to photographs only', () => {
    expect(withLaterality([picked('x/fundus.png'), picked('ct.dcm')], '')).toEqual({ refusal: 'Choose the eye (right or left) of the photographs before uploading them.' });
    const chosen = withLaterality([picked('x/fundus.png'), picked('ct.dcm')], 'OD');
    if (!('files' in chosen)) throw new Error('refused');
    expect(chosen.files.map((f) => f.laterality)).toEqual(['OD', undefined]);
    expect(withLaterality([picked('ct.dcm')], '')).toMatchObject({ files: [{ path: 'ct.dcm' }] });
  });
});
