import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalPyramidFile, SlideTileServer } from '@delineate/wsi';
import { BlobKey } from '../blob/key';
import { envelopeHeaderLength } from '../blob/envelope';
import { LocalBlobStore } from '../blob/local';
import { S3BlobStore } from '../blob/s3';
import type { BlobStore } from '../blob/types';
import { blobRelativePath } from '../blob/address';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { createHash } from 'node:crypto';
import { DeidRecordRepository } from '../repositories/deid-records';
import { ItemRepository } from '../repositories/items';
import { createTestDatabase } from '../test/databases';
import { seedProjectRow } from '../test/fixtures';
import type { Database } from '../sql/database';
import { BlobPyramidSource, registerSlidePyramid } from './slide-pyramids';

function vips(args: string[]): void {
  const run = spawnSync('vips', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`vips failed: ${run.stderr}`);
}

/** A blob store to test with, and a way to damage the stored bytes at one offset. */
interface StoreBed {
  blobs: BlobStore;
  damage(hash: string, at: number): Promise<void>;
  close(): Promise<void>;
}

async function localBed(dir: string): Promise<StoreBed> {
  const blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
  return {
    blobs,
    damage: async (hash, at) => {
      const fd = openSync(join(dir, 'blobs', blobRelativePath(hash)), 'r+');
      const byte = Buffer.alloc(1);
      readSync(fd, byte, 0, 1, at);
      byte[0] = byte[0]! ^ 0xff;
      writeSync(fd, byte, 0, 1, at);
      closeSync(fd);
    },
    close: () => blobs.close(),
  };
}

/** S3 through s3rver on loopback: tiles are ranged GETs. */
async function s3Bed(dir: string): Promise<StoreBed> {
  const bucket = 'delineate-slides';
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(dir, 's3'), configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const blobs = new S3BlobStore({ bucket, prefix: 'slides', key: BlobKey.generate(), endpoint, credentials, region: 'test-region' });
  const raw = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  return {
    blobs,
    damage: async (hash, at) => {
      const Key = `slides/${blobRelativePath(hash)}`;
      const stored = await (await raw.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToByteArray();
      stored[at] = stored[at]! ^ 0xff;
      await raw.send(new PutObjectCommand({ Bucket: bucket, Key, Body: stored }));
    },
    close: async () => {
      await blobs.close();
      raw.destroy();
      await server.close();
    },
  };
}

describe.each([
  ['a local folder', localBed],
  ['S3 (s3rver)', s3Bed],
] as const)('slide pyramids in the blob store: %s', (_name, openBed) => {
  let dir: string;
  let pyramidPath: string;
  let database: Database;
  let bed: StoreBed;
  let blobs: BlobStore;
  let subjectId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dln-slide-store-'));
    vips(['gaussnoise', join(dir, 'noise.v'), '700', '600']);
    vips(['cast', join(dir, 'noise.v'), join(dir, 'grey.v'), 'uchar']);
    pyramidPath = join(dir, 'slide.tif');
    vips(['tiffsave', join(dir, 'grey.v'), pyramidPath, '--tile', '--pyramid', '--compression', 'jpeg', '--Q', '85', '--bigtiff', '--tile-width', '256', '--tile-height', '256']);
    database = await createTestDatabase('pglite');
    bed = await openBed(dir);
    blobs = bed.blobs;
    const items = new ItemRepository(database.db);
    const { projectId } = await seedProjectRow(database.db);
    subjectId = (await items.createSubject({ projectId, pseudonym: 'P-SLIDE', ageBand: 'unknown', sex: 'unknown' })).id;
    // The database takes a slide only when its pyramid has passed the gate (migration 0760).
    const outputHash = createHash('sha256').update(readFileSync(pyramidPath)).digest('hex');
    await new DeidRecordRepository(database.db).record({ projectId, sourceHash: outputHash.replace(/^./, 'a'), outputHash, profile: 'basic', options: [], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
  });
  afterAll(async () => {
    await bed.close();
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
    await bed.damage(slide.pyramidHash, envelopeHeaderLength + layout.levels[0]!.tileOffsets[4]! + 100);
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
