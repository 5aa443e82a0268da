import type { AuditEntry } from '@delineate/store';
import { describe, expect, it } from 'vitest';
import { TileReadAggregator } from './tile-aggregator';

const read = (sessionId: string, objectId: string): AuditEntry => ({
  actorId: 'u',
  role: 'annotator',
  sessionId,
  address: null,
  action: 'image.tile.read',
  objectType: 'item',
  objectId,
  projectId: null,
  subjectPseudonym: null,
  purpose: null,
  outcome: 'success',
});

describe('TileReadAggregator', () => {
  it('writes one event per object per session with the count', async () => {
    const written: AuditEntry[] = [];
    const aggregator = new TileReadAggregator(async (entries) => written.push(...entries));
    for (let i = 0; i < 120; i++) await aggregator.record(read('s1', 'slide-a'));
    for (let i = 0; i < 7; i++) await aggregator.record(read('s1', 'slide-b'));
    for (let i = 0; i < 3; i++) await aggregator.record(read('s2', 'slide-a'));
    await aggregator.flush('s1');
    expect(written.map((e) => [e.sessionId, e.objectId, e.count])).toEqual([
      ['s1', 'slide-a', 120],
      ['s1', 'slide-b', 7],
    ]);
    await aggregator.flush();
    expect(written.map((e) => [e.sessionId, e.objectId, e.count])).toContainEqual(['s2', 'slide-a', 3]);
    expect(aggregator.pendingCount).toBe(0);
  });

  it('flushes by itself when the window grows too large', async () => {
    const written: AuditEntry[] = [];
    const aggregator = new TileReadAggregator(async (entries) => written.push(...entries), 2);
    await aggregator.record(read('s1', 'a'));
    await aggregator.record(read('s1', 'b'));
    expect(written).toHaveLength(2);
  });
});
