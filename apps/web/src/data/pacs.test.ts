import { describe, expect, it } from 'vitest';
import { retrievalProgressWords, searchRequest, type PacsRetrieval } from './pacs';

describe('the PACS page words and requests', () => {
  it('sends only the search fields filled in, trimmed', () => {
    expect(searchRequest({ level: 'series', patientId: '  P-1 ', modality: '', studyDescription: '   ', studyDateFrom: '2024-01-01' })).toEqual({ level: 'series', patientId: 'P-1', studyDateFrom: '2024-01-01' });
  });

  it('says how far a retrieval is and what the gate made of it', () => {
    const r: PacsRetrieval = { id: 'x', status: 'running', targets: 3, targetsDone: 1, received: 40, passed: 38, quarantined: 1, rejected: 1, duplicates: 0, itemIds: [], errorCode: null, error: null, createdAt: '', finishedAt: null };
    expect(retrievalProgressWords(r)).toBe('1 of 3 done, 40 images received; 38 passed, 1 quarantined, 1 rejected');
    expect(retrievalProgressWords({ ...r, status: 'succeeded', targetsDone: 3, duplicates: 2 })).toBe('finished: 40 images received; 38 passed, 1 quarantined, 1 rejected, 2 already here');
    expect(retrievalProgressWords({ ...r, status: 'failed' })).toMatch(/^stopped after 1 of 3;/);
  });
});
