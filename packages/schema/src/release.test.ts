import { describe, expect, it } from 'vitest';
import { isManifestV2, ReleaseBuildRequest, ReleaseManifest } from './release';

const ref = { id: '00000000-0000-4000-8000-000000000001', version: 1 };

describe('ReleaseManifest', () => {
  it('still parses manifests written before format 2', () => {
    const old = ReleaseManifest.parse({ labelSchema: ref, reviewProtocol: ref, items: [{ itemId: ref.id, revisions: [{ annotationId: ref.id, version: 2 }] }] });
    expect(isManifestV2(old)).toBe(false);
  });

  it('refuses a format-2 manifest missing its provenance', () => {
    expect(ReleaseManifest.safeParse({ format: 2, labelSchema: ref, reviewProtocol: ref, items: [] }).success).toBe(false);
    const parsed = ReleaseManifest.parse({ format: 2, projectId: ref.id, labelSchema: ref, reviewProtocol: ref, labels: [], filter: {}, consensusMethod: 'staple', items: [], excluded: [] });
    expect(isManifestV2(parsed)).toBe(true);
  });
});

describe('ReleaseBuildRequest', () => {
  it('defaults to refusing unreviewed work, with no splits and an empty filter', () => {
    expect(ReleaseBuildRequest.parse({ name: 'v1' })).toEqual({ name: 'v1', filter: {}, splits: [], excludeUnreviewed: false });
    expect(ReleaseBuildRequest.safeParse({ name: 'v1', splits: [{ itemId: ref.id, split: 'holdout' }] }).success).toBe(false);
  });
});
