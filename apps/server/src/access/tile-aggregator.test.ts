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

const minute = 60_000;

describe('TileReadAggregator', () => {
  it('writes one event per object per session with the count, at logout', async () => {
    const written: AuditEntry[] = [];
    const aggregator = new TileReadAggregator(async (entries) => written.push(...entries));
    for (let i = 0; i < 120; i++) await aggregator.record(read('s1', 'slide-a'), i * 1000);
    for (let i = 0; i < 7; i++) await aggregator.record(read('s1', 'slide-b'), i * 1000);
    for (let i = 0; i < 3; i++) await aggregator.record(read('s2', 'slide-a'), i * 1000);
    await aggregator.flush('s1');
    expect(written.map((e) => [e.sessionId, e.objectId, e.count])).toEqual([
      ['s1', 'slide-a', 120],
      ['s1', 'slide-b', 7],
    ]);
    await aggregator.flush();
    expect(written.map((e) => [e.sessionId, e.objectId, e.count])).toContainEqual(['s2', 'slide-a', 3]);
    expect(aggregator.pendingCount).toBe(0);
  });

  it('writes a count once its object has gone quiet or it has been open too long, not before', async () => {
    const written: AuditEntry[] = [];
    const aggregator = new TileReadAggregator(async (entries) => written.push(...entries));
    await aggregator.record(read('s1', 'quiet'), 0);
    for (let t = 0; t <= 70 * minute; t += minute) await aggregator.record(read('s1', 'busy'), t);
    await aggregator.flushDue(10 * minute);
    expect(written).toHaveLength(0);
    await aggregator.flushDue(15 * minute);
    expect(written.map((e) => [e.objectId, e.count])).toEqual([['quiet', 1]]);
    await aggregator.flushDue(70 * minute);
    expect(written.map((e) => [e.objectId, e.count])).toEqual([
      ['quiet', 1],
      ['busy', 71],
    ]);
  });

  it('flushes by itself when too many counts are pending', async () => {
    const written: AuditEntry[] = [];
    const aggregator = new TileReadAggregator(async (entries) => written.push(...entries), { quietMs: minute, maxAgeMs: minute, maxPending: 2 });
    await aggregator.record(read('s1', 'a'), 0);
    await aggregator.record(read('s1', 'b'), 0);
    expect(written).toHaveLength(2);
  });
});
