import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRle8 } from '@delineate/core';
import { DelineateError } from '@delineate/schema';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { BlobKey } from '../blob/key';
import { LocalBlobStore } from '../blob/local';
import { describeStore } from '../test/describe-store';
import { fakeHash, seedProject } from '../test/fixtures';
import { AnnotationRepository } from './annotations';

async function expectCode(promise: Promise<unknown>, code: string): Promise<DelineateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DelineateError);
  expect((error as DelineateError).code).toBe(code);
  return error as DelineateError;
}

describeStore('revisions', (getDb) => {
  async function setup() {
    const { db } = getDb();
    const seed = await seedProject(db);
    let now = Date.parse('2026-01-01T00:00:00Z');
    const repo = new AnnotationRepository(db, { clock: () => new Date((now += 1000)) });
    const annotation = await repo.create({ projectId: seed.projectId, itemId: seed.itemId, labelSchema: { id: seed.labelSchemaId, version: 1 } });
    const author = { kind: 'user' as const, userId: seed.userId };
    return { db, seed, repo, annotation, author };
  }

  it('appends versions by compare-and-set and keeps one chain', async () => {
    const { repo, annotation, author } = await setup();
    expect(annotation.headVersion).toBe(0);
    const r1 = await repo.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author, source: 'human', maskHash: fakeHash(1), maskEncoding: 'rle' });
    expect(r1).toMatchObject({ replayed: false, revision: { version: 1, parentVersion: null, maskHash: fakeHash(1), createdAt: '2026-01-01T00:00:02.000Z' } });
    const r2 = await repo.saveRevision({ annotationId: annotation.id, expectedVersion: 1, author, source: 'correction', maskHash: fakeHash(2), maskEncoding: 'rle' });
    expect(r2.revision).toMatchObject({ version: 2, parentVersion: 1, source: 'correction' });
    expect((await repo.get(annotation.id)).headVersion).toBe(2);
    expect((await repo.history(annotation.id)).map((r) => [r.version, r.maskHash])).toEqual([
      [1, fakeHash(1)],
      [2, fakeHash(2)],
    ]);
    expect(await repo.getRevision(annotation.id, 1)).toEqual(r1.revision);
    expect((await repo.head(annotation.id))?.version).toBe(2);
  });

  it('refuses a stale expected version with the current version', async () => {
    const { repo, annotation, author } = await setup();
    await repo.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author, source: 'human', maskHash: fakeHash(1), maskEncoding: 'rle' });
    const error = await expectCode(
      repo.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author, source: 'human', maskHash: fakeHash(2), maskEncoding: 'rle' }),
      'DLN_REVISION_STALE',
    );
    expect(error.status).toBe(412);
    expect(error.details).toEqual({ currentVersion: 1 });
    await expectCode(
      repo.saveRevision({ annotationId: annotation.id, expectedVersion: 5, author, source: 'human', maskHash: fakeHash(2), maskEncoding: 'rle' }),
      'DLN_REVISION_STALE',
    );
    expect(await repo.history(annotation.id)).toHaveLength(1);
  });

  it('replays a retried save with the same idempotency key and refuses a reused key for another mask', async () => {
    const { repo, annotation, author } = await setup();
    const save = { annotationId: annotation.id, expectedVersion: 0, idempotencyKey: 'k-1', author, source: 'human' as const, maskHash: fakeHash(7), maskEncoding: 'rle' as const };
    const first = await repo.saveRevision(save);
    const retry = await repo.saveRevision(save);
    expect(retry).toEqual({ revision: first.revision, replayed: true });
    await expectCode(repo.saveRevision({ ...save, maskHash: fakeHash(8) }), 'DLN_IDEMPOTENCY_MISMATCH');
    expect(await repo.history(annotation.id)).toHaveLength(1);
  });

  it('never creates two revisions for one version or one key under concurrent saves', async () => {
    const { repo, annotation, author } = await setup();
    const racers = Array.from({ length: 8 }, (_, i) =>
      repo.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author, source: 'human', maskHash: fakeHash(100 + i), maskEncoding: 'rle' }),
    );
    const results = await Promise.allSettled(racers);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as DelineateError).code).toBe('DLN_REVISION_STALE');

    const same = { annotationId: annotation.id, expectedVersion: 1, idempotencyKey: 'same', author, source: 'human' as const, maskHash: fakeHash(9), maskEncoding: 'rle' as const };
    const retries = await Promise.all(Array.from({ length: 6 }, () => repo.saveRevision(same)));
    expect(retries.filter((r) => !r.replayed)).toHaveLength(1);
    expect(new Set(retries.map((r) => r.revision.version))).toEqual(new Set([2]));
    expect(await repo.history(annotation.id)).toHaveLength(2);
  });

  it('reverts by appending a new revision with the old mask', async () => {
    const { repo, annotation, author } = await setup();
    await repo.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author, source: 'human', maskHash: fakeHash(1), maskEncoding: 'rle' });
    await repo.saveRevision({ annotationId: annotation.id, expectedVersion: 1, author, source: 'human', maskHash: fakeHash(2), maskEncoding: 'rle' });
    const reverted = await repo.revert({ annotationId: annotation.id, toVersion: 1, expectedVersion: 2, idempotencyKey: 'rv', author });
    expect(reverted.revision).toMatchObject({ version: 3, parentVersion: 2, source: 'revert', maskHash: fakeHash(1) });
    expect((await repo.revert({ annotationId: annotation.id, toVersion: 1, expectedVersion: 2, idempotencyKey: 'rv', author })).replayed).toBe(true);
    await expectCode(repo.revert({ annotationId: annotation.id, toVersion: 9, expectedVersion: 3, idempotencyKey: 'rv2', author }), 'DLN_NOT_FOUND');
    expect((await repo.history(annotation.id)).map((r) => r.source)).toEqual(['human', 'human', 'revert']);
  });

  it('stores AI revisions with their model and refuses them without one', async () => {
    const { repo, annotation, author } = await setup();
    const ai = await repo.saveRevision({
      annotationId: annotation.id,
      expectedVersion: 0,
      author: { kind: 'model', name: 'liver-net', version: '1.0.0' },
      source: 'ai',
      maskHash: fakeHash(3),
      maskEncoding: 'chunked',
    });
    expect((await repo.getRevision(annotation.id, 1)).author).toEqual({ kind: 'model', name: 'liver-net', version: '1.0.0' });
    expect(ai.revision.source).toBe('ai');
    await expectCode(
      repo.saveRevision({ annotationId: annotation.id, expectedVersion: 1, author, source: 'ai', maskHash: fakeHash(4), maskEncoding: 'rle' }),
      'DLN_REQUEST_INVALID',
    );
  });

  it('refuses UPDATE, DELETE and TRUNCATE of revisions in SQL', async () => {
    const { db, repo, annotation, author } = await setup();
    await repo.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author, source: 'human', maskHash: fakeHash(1), maskEncoding: 'rle' });
    await expect(db.updateTable('revisions').set({ mask_hash: fakeHash(2) }).execute()).rejects.toThrow(/DLN_REVISION_IMMUTABLE/);
    await expect(db.deleteFrom('revisions').execute()).rejects.toThrow(/DLN_REVISION_IMMUTABLE/);
    await expect(sql`truncate revisions cascade`.execute(db)).rejects.toThrow(/DLN_REVISION_IMMUTABLE/);
    expect((await repo.getRevision(annotation.id, 1)).maskHash).toBe(fakeHash(1));
  });

  it('writes mask bytes to the blob store before the metadata and checks their hash', async () => {
    const { db, seed } = await setup();
    const dir = await mkdtemp(join(tmpdir(), 'dln-masks-'));
    try {
      const blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
      const repo = new AnnotationRepository(db, { blobs });
      const annotation = await repo.create({ projectId: seed.projectId, itemId: seed.itemId, labelSchema: { id: seed.labelSchemaId, version: 1 } });
      const bytes = new Uint8Array([1, 2, 3, 4]);
      const maskHash = createHash('sha256').update(bytes).digest('hex');
      const author = { kind: 'user' as const, userId: seed.userId };
      await expectCode(
        repo.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author, source: 'human', maskHash: fakeHash(1), maskEncoding: 'rle', maskBytes: bytes }),
        'DLN_REVISION_MASK_INVALID',
      );
      expect(await blobs.has(fakeHash(1))).toBe(false);
      await repo.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author, source: 'human', maskHash, maskEncoding: 'rle', maskBytes: bytes });
      expect(await blobs.get(maskHash)).toEqual(bytes);
      const head = await repo.head(annotation.id);
      expect(head?.maskHash).toBe(maskHash);
      await expectCode(new AnnotationRepository(db).saveRevision({ annotationId: annotation.id, expectedVersion: 1, author, source: 'human', maskHash, maskEncoding: 'rle', maskBytes: bytes }), 'DLN_CONFIG_INVALID');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('joins a caller transaction and rolls back with it', async () => {
    const { db, seed, annotation, author } = await setup();
    await expect(
      db.transaction().execute(async (tx) => {
        const inner = new AnnotationRepository(tx);
        await inner.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author, source: 'human', maskHash: fakeHash(1), maskEncoding: 'rle' });
        expect((await inner.get(annotation.id)).headVersion).toBe(1);
        throw new Error('caller aborts');
      }),
    ).rejects.toThrow('caller aborts');
    const repo = new AnnotationRepository(db);
    expect((await repo.get(annotation.id)).headVersion).toBe(0);
    expect(await repo.history(annotation.id)).toEqual([]);
    expect(seed.userId).toBe(author.userId);
  });

  it('commits a checked save only while the write facts it was checked on hold (a reassignment between check and commit)', async () => {
    const { db, seed, repo, author } = await setup();
    const dir = await mkdtemp(join(tmpdir(), 'dln-facts-'));
    try {
      const tiled = new AnnotationRepository(db, { blobs: new LocalBlobStore({ dir, key: BlobKey.generate() }) });
      const item = await db.selectFrom('items').select('series_id').where('id', '=', seed.itemId).executeTakeFirstOrThrow();
      await db.updateTable('series').set({ rows: 4, columns: 4, slices: 1 }).where('id', '=', item.series_id!).execute();
      const task = await db
        .insertInto('tasks')
        .values({ project_id: seed.projectId, kind: 'annotate', item_id: seed.itemId, assignee_id: seed.userId, status: 'assigned' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const annotation = await repo.create({ projectId: seed.projectId, itemId: seed.itemId, taskId: task.id, labelSchema: { id: seed.labelSchemaId, version: 1 }, createdBy: seed.userId });
      await expectCode(tiled.saveContext(annotation.id, { kind: 'user', userId: seed.otherUserId }, 'human'), 'DLN_AUTH_FORBIDDEN');
      const save = (checked: Awaited<ReturnType<AnnotationRepository['saveContext']>>, value: number) =>
        tiled.saveTiledRevision({
          annotationId: annotation.id,
          expectedVersion: checked.annotation.headVersion,
          author,
          source: 'human',
          grid: checked.grid,
          tiles: [{ position: { slice: 0, tileRow: 0, tileColumn: 0 }, runs: encodeRle8(new Uint8Array(16).fill(value)) }],
          whole: true,
          checked: { writeFacts: checked.writeFacts, headVersion: checked.annotation.headVersion },
        });

      // Checked while the task was the author's; reassigned before the commit: refused, nothing written.
      const before = await tiled.saveContext(annotation.id, author, 'human');
      // A series item is no pathology region's: the save reads no region.
      expect(before.inSlideRegion).toBe(false);
      await db.updateTable('tasks').set({ assignee_id: seed.otherUserId }).where('id', '=', task.id).execute();
      await expectCode(save(before, 1), 'DLN_AUTH_FORBIDDEN');
      expect(await repo.history(annotation.id)).toEqual([]);
      expect((await repo.get(annotation.id)).headVersion).toBe(0);

      // The facts change without changing the answer (started, still the author's): decided again, committed.
      await db.updateTable('tasks').set({ assignee_id: seed.userId }).where('id', '=', task.id).execute();
      const checked = await tiled.saveContext(annotation.id, author, 'human');
      await db.updateTable('tasks').set({ status: 'in_progress' }).where('id', '=', task.id).execute();
      expect((await save(checked, 1)).revision.version).toBe(1);

      // Checked at a head another save has since moved: stale, with the head now.
      const atOne = await tiled.saveContext(annotation.id, author, 'human');
      expect((await save(await tiled.saveContext(annotation.id, author, 'human'), 2)).revision.version).toBe(2);
      const stale = await expectCode(save(atOne, 3), 'DLN_REVISION_STALE');
      expect(stale.details).toEqual({ currentVersion: 2 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing annotation as not found', async () => {
    const { repo, author } = await setup();
    await expectCode(
      repo.saveRevision({ annotationId: '00000000-0000-4000-8000-000000000000', expectedVersion: 0, author, source: 'human', maskHash: fakeHash(1), maskEncoding: 'rle' }),
      'DLN_NOT_FOUND',
    );
  });
});
