import { describe, expect, it } from 'vitest';
import { buildNewRevision, buildRevision, Review } from './annotation';
import { DelineateError } from './errors';

const annotationId = '4c2b8a52-6f0e-4d8e-9a57-2f1a0c6b9d11';
const userId = '0f8e3c1a-2b4d-4e6f-8a9b-1c2d3e4f5a6b';
const maskHash = 'a'.repeat(64);
const base = { annotationId, version: 1, parentVersion: null, maskHash, maskEncoding: 'rle', createdAt: '2026-01-02T03:04:05.000Z', idempotencyKey: null } as const;

describe('buildRevision', () => {
  it('builds a human revision', () => {
    const r = buildRevision({ ...base, author: { kind: 'user', userId }, source: 'human' });
    expect(r.author).toEqual({ kind: 'user', userId });
  });

  it('refuses an AI revision without a model name and version', () => {
    expect(() => buildRevision({ ...base, author: { kind: 'user', userId }, source: 'ai' })).toThrow(/model name and version/);
    expect(() => buildRevision({ ...base, author: { kind: 'model', name: 'liver-net' } as never, source: 'ai' })).toThrow(DelineateError);
    const ai = buildRevision({ ...base, author: { kind: 'model', name: 'liver-net', version: '1.2.0' }, source: 'ai' });
    expect(ai.source).toBe('ai');
  });

  it('refuses a model authoring a human revision', () => {
    expect(() => buildRevision({ ...base, author: { kind: 'model', name: 'm', version: '1' }, source: 'human' })).toThrow(/only an AI revision/);
  });

  it('requires the parent to be the previous version', () => {
    expect(() => buildRevision({ ...base, version: 3, parentVersion: 1, author: { kind: 'user', userId }, source: 'human' })).toThrow(/parentVersion/);
    expect(buildRevision({ ...base, version: 3, parentVersion: 2, author: { kind: 'user', userId }, source: 'correction' }).version).toBe(3);
  });

  it('rejects a malformed mask hash with a DLN code and no value in the message', () => {
    try {
      buildRevision({ ...base, maskHash: 'PATIENT-SMITH', author: { kind: 'user', userId }, source: 'human' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DelineateError);
      expect((e as DelineateError).code).toBe('DLN_REQUEST_INVALID');
      expect((e as DelineateError).message).toContain('maskHash');
      expect((e as DelineateError).message).not.toContain('SMITH');
    }
  });
});

describe('buildNewRevision', () => {
  it('accepts expectedVersion 0 and validates author against source', () => {
    expect(buildNewRevision({ annotationId, expectedVersion: 0, author: { kind: 'user', userId }, source: 'human', maskHash, maskEncoding: 'bitset' }).expectedVersion).toBe(0);
    expect(() => buildNewRevision({ annotationId, expectedVersion: 0, author: { kind: 'user', userId }, source: 'ai', maskHash, maskEncoding: 'bitset' })).toThrow(DelineateError);
    expect(() => buildNewRevision({ annotationId, expectedVersion: -1, author: { kind: 'user', userId }, source: 'human', maskHash, maskEncoding: 'bitset' })).toThrow(DelineateError);
  });
});

describe('Review', () => {
  const review = {
    id: '9d1b2c3a-4e5f-4a6b-8c7d-0e1f2a3b4c5d',
    revision: { annotationId, version: 1 },
    reviewerId: userId,
    protocol: { id: annotationId, version: 1 },
    answers: [{ itemKey: 'margin', passed: false }],
    signedAt: '2026-01-02T03:04:05Z',
    createdAt: '2026-01-02T03:04:05Z',
  };
  it('needs corrections for a correct decision and passed items to accept', () => {
    expect(Review.safeParse({ ...review, decision: 'correct', corrections: [] }).success).toBe(false);
    expect(Review.safeParse({ ...review, decision: 'accept', corrections: [] }).success).toBe(false);
    expect(Review.safeParse({ ...review, decision: 'reject', corrections: [] }).success).toBe(true);
    expect(
      Review.safeParse({ ...review, decision: 'correct', corrections: [{ labelKey: 'liver', errorType: 'under_segmentation' }] }).success,
    ).toBe(true);
  });
});
