import { describe, expect, it } from 'vitest';
import type { ManifestItem, ReleaseManifestV2 } from '@delineate/schema';
import { caseId, fileEnding, splitRecord, subjectFolds } from './training-case';

const item = (itemId: string, subjectPseudonym: string, split: ManifestItem['split'], slices = 8, modality: ManifestItem['modality'] = 'CT') =>
  ({ itemId, subjectPseudonym, split, modality, geometry: { dims: [4, 4, slices], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] } }) as unknown as ManifestItem;
const manifestOf = (items: ManifestItem[]) => ({ items }) as unknown as ReleaseManifestV2;
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('training layout cases', () => {
  it('names a case by pseudonym and item id only, in characters every tool splits cleanly', () => {
    expect(caseId({ subjectPseudonym: 'P-AB12', itemId: id(1) })).toBe(`P-AB12_${id(1)}`);
    expect(caseId({ subjectPseudonym: 'site_7/x', itemId: id(2) })).toBe(`site-7-x_${id(2)}`);
  });

  it('writes PNG only when every item is one slice and none is CT', () => {
    expect(fileEnding(manifestOf([item(id(1), 'a', 'train', 1, 'MR'), item(id(2), 'b', 'test', 1, 'MR')]))).toBe('.png');
    expect(fileEnding(manifestOf([item(id(1), 'a', 'train', 1, 'CT')]))).toBe('.nii.gz');
    expect(fileEnding(manifestOf([item(id(1), 'a', 'train', 1, 'MR'), item(id(2), 'b', 'train', 8, 'MR')]))).toBe('.nii.gz');
  });

  it('records the subjects of each split and whether one sits in two', () => {
    const disjoint = splitRecord(manifestOf([item(id(1), 'a', 'train'), item(id(2), 'a', 'train'), item(id(3), 'b', 'test')]));
    expect(disjoint).toMatchObject({ subjects: { train: ['a'], validation: [], test: ['b'] }, subjectDisjoint: true });
    expect(splitRecord(manifestOf([item(id(1), 'a', 'train'), item(id(2), 'a', 'validation')])).subjectDisjoint).toBe(false);
  });

  it('makes five folds by subject over training and validation, every training case validated once', () => {
    const items = [
      ...[1, 2, 3].map((n) => item(id(n), 'big', 'train')),
      item(id(4), 'two', 'train'), item(id(5), 'two', 'validation'),
      ...[6, 7, 8, 9, 10].map((n) => item(id(n), `s${n}`, n % 2 ? 'train' : 'validation')),
      item(id(11), 'held-out', 'test'),
    ];
    const folds = subjectFolds(manifestOf(items), 5);
    expect(folds).toHaveLength(5);
    const subjectOf = new Map(items.map((i) => [caseId(i), i.subjectPseudonym]));
    const training = items.filter((i) => i.split !== 'test').map(caseId).sort();
    expect(folds.flatMap((f) => f.val).sort()).toEqual(training);
    for (const f of folds) {
      expect(f.val.length).toBeGreaterThan(0);
      expect([...f.train, ...f.val].sort()).toEqual(training);
      const trainSubjects = new Set(f.train.map((c) => subjectOf.get(c)));
      expect(f.val.some((c) => trainSubjects.has(subjectOf.get(c)))).toBe(false);
    }
    // The same release gives the same folds.
    expect(subjectFolds(manifestOf([...items].reverse()), 5)).toEqual(folds);
  });
});
