import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRle8, type Tile } from '@delineate/core';
import { DelineateError } from '@delineate/schema';
import { afterEach, expect, it } from 'vitest';
import { BlobKey } from '../blob/key';
import { LocalBlobStore } from '../blob/local';
import { describeStore } from '../test/describe-store';
import { seedProject } from '../test/fixtures';
import { AnnotationRepository, type SaveRevisionResult } from './annotations';

const SIDE = 64;

/** Counts finished puts: a save's pack write is the last step before its commit. */
class CountingBlobStore extends LocalBlobStore {
  puts = 0;
  override async put(...args: Parameters<LocalBlobStore['put']>): ReturnType<LocalBlobStore['put']> {
    const result = await super.put(...args);
    this.puts++;
    return result;
  }
}

/** A one-slice tile of `label` painted over the first `rows` rows. */
function tile(label: number, rows: number): Tile {
  const voxels = new Uint8Array(SIDE * SIDE);
  voxels.fill(label, 0, rows * SIDE);
  return { position: { slice: 0, tileRow: 0, tileColumn: 0 }, runs: encodeRle8(voxels) };
}

let dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
});

describeStore('revision group commit', (getDb) => {
  /** `annotationCount` annotations with a first revision each (the same mask when `sameFirst`). */
  async function setup(annotationCount: number, sameFirst = false) {
    const { db } = getDb();
    const seed = await seedProject(db);
    const item = await db.selectFrom('items').select('series_id').where('id', '=', seed.itemId).executeTakeFirstOrThrow();
    await db.updateTable('series').set({ rows: SIDE, columns: SIDE, slices: 1 }).where('id', '=', item.series_id!).execute();
    const dir = await mkdtemp(join(tmpdir(), 'dln-group-'));
    dirs.push(dir);
    const blobs = new CountingBlobStore({ dir, key: BlobKey.generate() });
    // Every call of the clock is a new second: saves committed by one statement share one time.
    let tick = Date.parse('2026-01-01T00:00:00Z');
    const repo = new AnnotationRepository(db, { blobs, clock: () => new Date((tick += 1000)) });
    const author = { kind: 'user' as const, userId: seed.userId };
    const annotations: string[] = [];
    for (let i = 0; i < annotationCount; i++) {
      const a = await repo.create({ projectId: seed.projectId, itemId: seed.itemId, labelSchema: { id: seed.labelSchemaId, version: 1 }, createdBy: seed.userId });
      const grid = await repo.tileGrid(a.id);
      await repo.saveTiledRevision({ annotationId: a.id, expectedVersion: 0, idempotencyKey: `first-${i}`, author, source: 'human', grid, tiles: [tile(1, sameFirst ? 10 : 10 + i)], whole: true });
      annotations.push(a.id);
    }
    const grid = await repo.tileGrid(annotations[0]!);
    /**
     * Runs `saves` while another statement holds the one connection, and lets it go once every
     * save has written its pack and waits at the commit: they are then committed as one group.
     */
    async function whileConnectionHeld(saves: () => Promise<SaveRevisionResult>[]): Promise<PromiseSettledResult<SaveRevisionResult>[]> {
      const before = blobs.puts;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let held!: () => void;
      const holding = new Promise<void>((resolve) => (held = resolve));
      const holder = db.connection().execute(async () => {
        held();
        await gate;
      });
      await holding;
      const started = saves();
      // Observed at once: a save refused while the test still waits on the holder is not an unhandled rejection.
      const settled = Promise.allSettled(started);
      // Each save writes its own pack, then joins the commit queue in the same turn.
      while (blobs.puts < before + started.length) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, 20));
      release();
      await holder;
      return settled;
    }
    return { db, repo, author, grid, annotations, whileConnectionHeld };
  }

  async function checked(repo: AnnotationRepository, annotationId: string, author: { kind: 'user'; userId: string }) {
    const context = await repo.saveContext(annotationId, author, 'human');
    return { writeFacts: context.writeFacts, headVersion: context.annotation.headVersion };
  }

  it('commits a group in one statement; a conflicting save in it gets its 412 and nothing of it is written, the others commit', async () => {
    const { repo, author, grid, annotations, whileConnectionHeld } = await setup(3);
    const [a, b, c] = annotations as [string, string, string];
    const facts = { a: await checked(repo, a, author), b: await checked(repo, b, author), c: await checked(repo, c, author) };
    const save = (annotationId: string, label: number, rows: number, key: string, check: Awaited<ReturnType<typeof checked>>) =>
      repo.saveTiledRevision({ annotationId, expectedVersion: 1, idempotencyKey: key, author, source: 'human', grid, tiles: [tile(label, rows)], whole: false, checked: check });
    const [ra, rb, rc1, rc2] = await whileConnectionHeld(() => [
      save(a, 2, 30, 'a2', facts.a),
      save(b, 2, 31, 'b2', facts.b),
      // Two writers of one annotation from the same head: one wins, the other is stale.
      save(c, 2, 32, 'c2-first', facts.c),
      save(c, 3, 33, 'c2-second', facts.c),
    ]);
    expect(ra!.status).toBe('fulfilled');
    expect(rb!.status).toBe('fulfilled');
    const won = [rc1!, rc2!].filter((r) => r.status === 'fulfilled');
    const lost = [rc1!, rc2!].filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const refusal = (lost[0] as PromiseRejectedResult).reason as DelineateError;
    expect(refusal).toBeInstanceOf(DelineateError);
    expect(refusal.code).toBe('DLN_REVISION_STALE');
    expect(refusal.status).toBe(412);
    expect(refusal.details).toEqual({ currentVersion: 2 });

    // One statement: the three winners share the one time the group was committed at. Only PGlite's
    // one connection makes the saves wait for each other here; PostgreSQL's pool lets the first
    // save take a free connection and commit alone, so there they may form two groups.
    const revisions = [ra, rb, won[0]].map((r) => (r as PromiseFulfilledResult<SaveRevisionResult>).value.revision);
    expect(revisions.map((r) => r.version)).toEqual([2, 2, 2]);
    if (getDb().kind === 'pglite') expect(new Set(revisions.map((r) => r.createdAt)).size).toBe(1);

    // Nothing of the refused save: annotation c has the winner's revision 2 only, with the winner's mask.
    const history = await repo.history(c);
    expect(history.map((r) => r.version)).toEqual([1, 2]);
    expect(history[1]!.maskHash).toBe(revisions[2]!.maskHash);
    const winnerRows = rc1!.status === 'fulfilled' ? 32 : 33;
    const winnerLabel = rc1!.status === 'fulfilled' ? 2 : 3;
    const { tiles } = await repo.readTiles(c, 2);
    expect(tiles).toEqual([tile(winnerLabel, winnerRows)]);
    expect((await repo.get(c)).headVersion).toBe(2);
    // The other annotations read back as saved.
    expect((await repo.readTiles(a, 2)).tiles).toEqual([tile(2, 30)]);
    expect((await repo.readTiles(b, 2)).tiles).toEqual([tile(2, 31)]);
  });

  it('a save the database refuses inside a group fails alone: the group is retried save by save', async () => {
    const { repo, author, grid, annotations, whileConnectionHeld } = await setup(3);
    const [a, b, c] = annotations as [string, string, string];
    const facts = [await checked(repo, a, author), await checked(repo, b, author), await checked(repo, c, author)];
    const [ra, rb, rc] = await whileConnectionHeld(() =>
      [a, b, c].map((annotationId, i) =>
        repo.saveTiledRevision({
          annotationId,
          expectedVersion: 1,
          // b reuses the key of its first revision for another mask: its row breaks a unique key.
          idempotencyKey: i === 1 ? 'first-1' : `second-${i}`,
          author,
          source: 'human',
          grid,
          tiles: [tile(4, 40 + i)],
          whole: false,
          checked: facts[i],
        }),
      ),
    );
    expect(ra!.status).toBe('fulfilled');
    expect(rc!.status).toBe('fulfilled');
    expect(rb!.status).toBe('rejected');
    expect(((rb as PromiseRejectedResult).reason as DelineateError).code).toBe('DLN_IDEMPOTENCY_MISMATCH');
    expect((await repo.history(a)).map((r) => r.version)).toEqual([1, 2]);
    expect((await repo.history(b)).map((r) => r.version)).toEqual([1]);
    expect((await repo.history(c)).map((r) => r.version)).toEqual([1, 2]);
    expect((await repo.readTiles(c, 2)).tiles).toEqual([tile(4, 42)]);
  });

  it('stores the same row whether a save commits alone or in a group', async () => {
    const { db, repo, author, grid, annotations, whileConnectionHeld } = await setup(2, true);
    const [a, b] = annotations as [string, string];
    const save = { expectedVersion: 1, idempotencyKey: 'same', author, source: 'human' as const, grid, tiles: [tile(2, 20)], whole: false };
    await repo.saveTiledRevision({ ...save, annotationId: a });
    const facts = await checked(repo, b, author);
    const [grouped] = await whileConnectionHeld(() => [repo.saveTiledRevision({ ...save, annotationId: b, checked: facts })]);
    expect(grouped!.status).toBe('fulfilled');
    const row = async (annotationId: string) => {
      const { annotation_id: _id, created_at: _at, tile_index: index, ...rest } = await db
        .selectFrom('revisions')
        .selectAll()
        .where('annotation_id', '=', annotationId)
        .where('version', '=', 2)
        .executeTakeFirstOrThrow();
      return { ...rest, tileIndex: Buffer.from(index!).toString('hex') };
    };
    expect(await row(b)).toEqual(await row(a));
    expect((await row(a)).tile_index_hash).toBe((await row(a)).mask_hash);
  });
});
