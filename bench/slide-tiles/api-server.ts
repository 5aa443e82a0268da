// The Delineate API as a tile server for bench/slide-tiles.ts: `node --import tsx api-server.ts <slide.tif> <dir>`.
// The whole production path: Fastify, the session check and policy, the audit count, the item's
// slide and gate lookup (cached), and a verified ranged read of the encrypted blob store. Prints
// one JSON line: the port, the tile URL prefix and a signed-in session's headers.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFromEnv, createServer } from '@delineate/server';
import { BlobKey, DeidRecordRepository, ItemRepository, LocalBlobStore, registerSlidePyramid, testing } from '@delineate/store';
import { openTestSession } from '../../apps/server/src/access';
import { seedProject } from '../../apps/server/src/test/harness';

const [path, dir] = process.argv.slice(2);
if (!path || !dir) throw new Error('usage: api-server.ts <slide.tif> <dir>');
mkdirSync(dir, { recursive: true });
const database = await testing.createTestDatabase('pglite');
const blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
const config = configFromEnv({ DELINEATE_DATA: dir, DELINEATE_LOG_LEVEL: 'silent' }, { port: 0, webRoot: join(dir, 'no-web') });
const server = await createServer({ config, database, blobs, clock: () => new Date() });
const seeded = await seedProject(database);
const { subject_id: subjectId } = await database.db.selectFrom('items').select('subject_id').where('id', '=', seeded.itemId).executeTakeFirstOrThrow();
const pyramid = new Uint8Array(readFileSync(path));
const pyramidHash = createHash('sha256').update(pyramid).digest('hex');
// The database takes a slide only when its pyramid has passed the gate (migration 0760).
await new DeidRecordRepository(database.db).record({
  projectId: seeded.projectId,
  sourceHash: pyramidHash.replace(/^./, 'a'),
  outputHash: pyramidHash,
  profile: 'basic',
  options: [],
  actions: [],
  pixelRegionsRedacted: [],
  findings: [],
  status: 'passed',
});
const slide = await registerSlidePyramid(database.db, blobs, { subjectId, pyramid });
const item = await new ItemRepository(database.db).createItem({
  projectId: seeded.projectId,
  subjectId,
  target: { kind: 'slide_region', slideId: slide.slideId, region: { x: 0, y: 0, width: slide.width, height: slide.height } },
});
const { headers } = await openTestSession(server.app.accessRuntime, seeded.userId, { grant: { projectId: seeded.projectId, roles: ['annotator'] } });
const address = new URL(await server.app.listen({ port: 0, host: '127.0.0.1' }));
process.stdout.write(`${JSON.stringify({ port: Number(address.port), prefix: `/api/slides/${item.id}/${slide.pyramidHash}`, headers })}\n`);
process.on('SIGTERM', () => {
  void server.app.close().then(() => process.exit(0));
});
