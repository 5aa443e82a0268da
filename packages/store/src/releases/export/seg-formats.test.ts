import { describe, expect, it } from 'vitest';
import type { ManifestItem, ManifestReading, ManifestRevision } from '@delineate/schema';
import { parseVoxel } from '../trace';
import { itemProvenance, readingProvenance } from './seg-formats';

const person = { kind: 'user', userId: '00000000-0000-4000-8000-000000000001' } as const;
const model = { kind: 'model', modelId: null, name: 'liver-net', version: '2.0.1', weightsHash: null } as const;
const revision = (version: number, author: ManifestRevision['author'], source: ManifestRevision['source']): ManifestRevision => ({
  version, parentVersion: version === 1 ? null : version - 1, source, author, maskHash: 'a'.repeat(64), createdAt: '2026-01-01T00:00:00.000Z',
});
const reading = (released: number, revisions: ManifestRevision[]): ManifestReading => ({ annotationId: '00000000-0000-4000-8000-00000000000a', annotatorId: null, released, revisions, reviews: [] });
const ai = { name: 'liver-net', version: '2.0.1', family: { scheme: 'DCM', value: '123110', meaning: 'Artificial Intelligence' } };

describe('SEG segment provenance from the released revision chain', () => {
  it('is MANUAL when people drew every revision', () => {
    expect(readingProvenance(reading(2, [revision(1, person, 'human'), revision(2, person, 'correction')]))).toEqual({ type: 'MANUAL' });
  });

  it('is AUTOMATIC with the model named when the model’s output is released as it was', () => {
    expect(readingProvenance(reading(1, [revision(1, model, 'ai')]))).toEqual({ type: 'AUTOMATIC', algorithm: ai });
  });

  it('is SEMIAUTOMATIC with the model named when a person changed the model’s draft', () => {
    expect(readingProvenance(reading(2, [revision(1, model, 'ai'), revision(2, person, 'correction')]))).toEqual({ type: 'SEMIAUTOMATIC', algorithm: ai });
  });

  it('ignores revisions after the released one', () => {
    expect(readingProvenance(reading(1, [revision(1, person, 'human'), revision(2, model, 'ai')]))).toEqual({ type: 'MANUAL' });
  });

  it('combines readers: the same kind stays, a mix where a model had a hand is SEMIAUTOMATIC', () => {
    const item = (readings: ManifestReading[]) => ({ readings }) as unknown as ManifestItem;
    const manual = reading(1, [revision(1, person, 'human')]);
    const automatic = reading(1, [revision(1, model, 'ai')]);
    expect(itemProvenance(item([manual, manual]))).toEqual({ type: 'MANUAL' });
    expect(itemProvenance(item([automatic, automatic]))).toEqual({ type: 'AUTOMATIC', algorithm: ai });
    expect(itemProvenance(item([manual, automatic]))).toEqual({ type: 'SEMIAUTOMATIC', algorithm: ai });
  });
});

describe('parseVoxel', () => {
  it('takes x,y,z whole numbers and refuses anything else with the grid code', () => {
    expect(parseVoxel('3, 4,5')).toEqual([3, 4, 5]);
    for (const bad of ['1,2', '1,2,3,4', '-1,0,0', '1.5,0,0', 'a,b,c', '']) expect(() => parseVoxel(bad), bad).toThrow(expect.objectContaining({ code: 'DLN_TRACE_VOXEL_OUT_OF_GRID' }));
  });
});
