// Child process for group-crash.test.ts: saves one revision of every annotation per round, the
// round committed as one group (the connection is held until every save of the round waits at
// its commit), and prints each save only after it was acknowledged, until the test kills it.
import { encodeRle8 } from '@delineate/core';
import { BlobKey, parseBlobKeyText } from '../blob/key';
import { LocalBlobStore } from '../blob/local';
import { openDatabase } from '../sql/database';
import { AnnotationRepository } from './annotations';

const [dataDir, userId, ...annotationIds] = process.argv.slice(2);
const keyText = process.env.DELINEATE_KEY;
if (!dataDir || !userId || annotationIds.length === 0 || !keyText) throw new Error('usage: group-crash.fixture.ts <data folder> <user> <annotation…> (with DELINEATE_KEY)');

class CountingBlobStore extends LocalBlobStore {
  puts = 0;
  override async put(...args: Parameters<LocalBlobStore['put']>): ReturnType<LocalBlobStore['put']> {
    const result = await super.put(...args);
    this.puts++;
    return result;
  }
}

const database = await openDatabase({ dataDir });
const blobs = new CountingBlobStore({ dir: `${dataDir}/blobs`, key: new BlobKey(parseBlobKeyText(keyText, 'DELINEATE_KEY'), 'env') });
const repo = new AnnotationRepository(database.db, { blobs });
const author = { kind: 'user' as const, userId };
const grid = await repo.tileGrid(annotationIds[0]!);

for (let round = 0; ; round++) {
  // Read before the connection is held: the write rule's facts and the parent's index (then cached).
  const checks = await Promise.all(
    annotationIds.map(async (id) => {
      const context = await repo.saveContext(id, author, 'human');
      if (context.annotation.headVersion > 0) await repo.storedTileIndex(id, context.annotation.headVersion);
      return { writeFacts: context.writeFacts, headVersion: context.annotation.headVersion };
    }),
  );
  const heads = checks.map((c) => c.headVersion);
  const before = blobs.puts;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let held!: () => void;
  const holding = new Promise<void>((resolve) => (held = resolve));
  const holder = database.db.connection().execute(async () => {
    held();
    await gate;
  });
  await holding;
  const saves = annotationIds.map(async (annotationId, i) => {
    const voxels = new Uint8Array(grid.columns * grid.rows);
    voxels.fill(1 + ((round + i) % 3), 0, ((round * 7 + i * 13) % grid.rows) * grid.columns + 1);
    const { revision } = await repo.saveTiledRevision({
      annotationId,
      expectedVersion: heads[i]!,
      idempotencyKey: `${annotationId}-${heads[i]! + 1}`,
      author,
      source: 'human',
      grid,
      tiles: [{ position: { slice: 0, tileRow: 0, tileColumn: 0 }, runs: encodeRle8(voxels) }],
      whole: false,
      checked: checks[i],
    });
    process.stdout.write(`${annotationId} ${revision.version} ${revision.maskHash}\n`);
  });
  while (blobs.puts < before + annotationIds.length) await new Promise((resolve) => setTimeout(resolve, 2));
  await new Promise((resolve) => setTimeout(resolve, 5));
  release();
  await holder;
  await Promise.all(saves);
}
