import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalPyramidFile, SlideTileServer } from '@delineate/wsi';
import { BlobKey } from '../blob/key';
import { envelopeHeaderLength } from '../blob/envelope';
import { LocalBlobStore } from '../blob/local';
import { ItemRepository } from '../repositories/items';
import { createTestDatabase } from '../test/databases';
import { seedProjectRow } from '../test/fixtures';
import type { Database } from '../sql/database';
import { BlobPyramidSource, registerSlidePyramid } from './slide-pyramids';

function vips(args: string[]): void {
  const run = spawnSync('vips', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`vips failed: ${run.stderr}`);
}

describe('slide pyramids in the blob store', () => {
  let dir: string;
  let pyramidPath: string;
  let database: Database;
  let blobs: LocalBlobStore;
  let subjectId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dln-slide-store-'));
    vips(['gaussnoise', join(dir, 'noise.v'), '700', '600']);
    vips(['cast', join(dir, 'noise.v'), join(dir, 'grey.v'), 'uchar']);
    pyramidPath = join(dir, 'slide.tif');
    vips(['tiffsave', join(dir, 'grey.v'), pyramidPath, '--tile', '--pyramid', '--compression', 'jpeg', '--Q', '85', '--bigtiff', '--tile-width', '256', '--tile-height', '256']);
    database = await createTestDatabase('pglite');
    blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
    const items = new ItemRepository(database.db);
    const { projectId } = await seedProjectRow(database.db);
    subjectId = (await items.createSubject({ projectId, pseudonym: 'P-SLIDE', ageBand: 'unknown', sex: 'unknown' })).id;
  });
  afterAll(async () => {
    await blobs.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers a converted slide and serves the same tiles from the store as from the file', async () => {
    const slide = await registerSlidePyramid(database.db, blobs, { subjectId, pyramid: new Uint8Array(readFileSync(pyramidPath)), mpp: 0.25 });
    expect([slide.width, slide.height]).toEqual([700, 600]);
    const row = await database.db.selectFrom('slides').selectAll().where('id', '=', slide.slideId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ pyramid_hash: slide.pyramidHash, tile_index_hash: slide.tileIndexHash, width: 700, height: 600, mpp: 0.25 });

    const server = new SlideTileServer();
    const file = new LocalPyramidFile(pyramidPath);
    const stored = new BlobPyramidSource(blobs, slide.pyramidHash, slide.tileIndexHash);
    for (const [level, column, row] of [[0, 0, 0], [0, 2, 2], [1, 1, 0], [2, 0, 0]] as const) {
      expect(await server.tile(stored, level, column, row)).toEqual(await server.tile(file, level, column, row));
    }
    await file.close();
  });

  it('refuses a tampered tile instead of serving it', async () => {
    const slide = await registerSlidePyramid(database.db, blobs, { subjectId, pyramid: new Uint8Array(readFileSync(pyramidPath)) });
    const source = new BlobPyramidSource(blobs, slide.pyramidHash, slide.tileIndexHash);
    const layout = await source.openLayout();
    const at = envelopeHeaderLength + layout.levels[0]!.tileOffsets[4]! + 100;
    const path = join(dir, 'blobs', slide.pyramidHash.slice(0, 2), slide.pyramidHash.slice(2, 4), slide.pyramidHash);
    const fd = openSync(path, 'r+');
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    writeSync(fd, byte, 0, 1, at);
    closeSync(fd);
    await expect(new SlideTileServer().tile(source, 0, 1, 1)).rejects.toMatchObject({ code: 'DLN_BLOB_CORRUPT' });
    expect(await new SlideTileServer().tile(source, 0, 0, 0)).toBeInstanceOf(Uint8Array);
  });

  it('refuses a file that is not a tiled JPEG pyramid before writing anything', async () => {
    const before = await database.db.selectFrom('slides').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    await expect(registerSlidePyramid(database.db, blobs, { subjectId, pyramid: new Uint8Array(readFileSync(join(dir, 'noise.v'))) })).rejects.toMatchObject({ code: 'DLN_REQUEST_UNSUPPORTED_MEDIA' });
    const after = await database.db.selectFrom('slides').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });
});
