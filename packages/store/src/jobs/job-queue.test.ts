import { expect, it } from 'vitest';
import { describeStore } from '../test/describe-store';
import { JobQueue } from './job-queue';

describeStore('job queue', (getDb) => {
  function queue() {
    let now = Date.parse('2026-03-01T10:00:00Z');
    const clock = { advance: (ms: number) => (now += ms), now: () => new Date(now) };
    return { clock, jobs: new JobQueue(getDb().db, { clock: clock.now, backoffMs: (a) => 1000 * a, leaseMs: 60_000 }) };
  }

  it('claims due jobs of the worker region in order, once', async () => {
    const { jobs, clock } = queue();
    const a = await jobs.enqueue({ kind: 'ingest.series', region: 'eu', payload: { seriesId: 'a' } });
    clock.advance(10);
    const later = await jobs.enqueue({ kind: 'ingest.series', region: 'eu', payload: { n: 2 }, runAt: new Date(clock.now().getTime() + 5000) });
    await jobs.enqueue({ kind: 'ingest.series', region: 'us', payload: {} });
    expect(await jobs.claim({ workerId: 'w1', region: 'eu', kinds: ['other'] })).toBeUndefined();
    const claimed = await jobs.claim({ workerId: 'w1', region: 'eu' });
    expect(claimed).toMatchObject({ id: a.id, status: 'running', attempts: 1, lockedBy: 'w1', payload: { seriesId: 'a' } });
    expect(await jobs.claim({ workerId: 'w2', region: 'eu' })).toBeUndefined();
    clock.advance(5000);
    expect((await jobs.claim({ workerId: 'w2', region: 'eu' }))?.id).toBe(later.id);
    const done = await jobs.complete(a.id, 'w1');
    expect(done).toMatchObject({ status: 'succeeded', lockedBy: null });
    expect(done.finishedAt).not.toBeNull();
    await expect(jobs.complete(a.id, 'w1')).rejects.toMatchObject({ code: 'DLN_CONFLICT' });
    expect(await jobs.counts()).toEqual({ queued: 1, running: 1, succeeded: 1, failed: 0 });
  });

  it('retries with backoff and fails for good after max attempts', async () => {
    const { jobs, clock } = queue();
    const job = await jobs.enqueue({ kind: 'metrics', region: 'local', payload: {}, maxAttempts: 2 });
    await jobs.claim({ workerId: 'w', region: 'local' });
    const retry = await jobs.fail(job.id, 'w', 'decoder error');
    expect(retry).toMatchObject({ status: 'queued', attempts: 1, lastError: 'decoder error' });
    expect(Date.parse(retry.runAt) - clock.now().getTime()).toBe(1000);
    expect(await jobs.claim({ workerId: 'w', region: 'local' })).toBeUndefined();
    clock.advance(1000);
    expect((await jobs.claim({ workerId: 'w', region: 'local' }))?.attempts).toBe(2);
    await expect(jobs.fail(job.id, 'other', 'x')).rejects.toMatchObject({ code: 'DLN_CONFLICT' });
    expect(await jobs.fail(job.id, 'w', 'again')).toMatchObject({ status: 'failed', attempts: 2, lastError: 'again' });
    clock.advance(60_000);
    expect(await jobs.claim({ workerId: 'w', region: 'local' })).toBeUndefined();
  });

  it('hands a crashed worker job to another worker after the lease', async () => {
    const { jobs, clock } = queue();
    const job = await jobs.enqueue({ kind: 'convert', region: 'eu', payload: {} });
    await jobs.claim({ workerId: 'dead', region: 'eu' });
    clock.advance(59_000);
    expect(await jobs.claim({ workerId: 'w2', region: 'eu' })).toBeUndefined();
    clock.advance(2_000);
    expect(await jobs.claim({ workerId: 'w2', region: 'eu' })).toMatchObject({ id: job.id, lockedBy: 'w2', attempts: 2 });
    await expect(jobs.complete(job.id, 'dead')).rejects.toMatchObject({ code: 'DLN_CONFLICT' });
  });

  it('never gives one job to two concurrent claimers', async () => {
    const { jobs } = queue();
    for (let i = 0; i < 5; i++) await jobs.enqueue({ kind: 'k', region: 'eu', payload: { i } });
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => jobs.claim({ workerId: `w${i}`, region: 'eu' })));
    const ids = claims.filter((c) => c !== undefined).map((c) => c.id);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
  });

  it('refuses invalid kinds and regions', async () => {
    const { jobs } = queue();
    await expect(jobs.enqueue({ kind: 'Bad Kind', region: 'eu', payload: {} })).rejects.toMatchObject({ code: 'DLN_REQUEST_INVALID' });
    await expect(jobs.enqueue({ kind: 'k', region: 'mars' as never, payload: {} })).rejects.toMatchObject({ code: 'DLN_REQUEST_INVALID' });
  });
});
