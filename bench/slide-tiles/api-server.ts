// The Delineate API as a tile server for bench/slide-tiles.ts: `node --import tsx api-server.ts <slide.tif> <dir> [capability|session]`.
// The whole production path: Fastify, authorisation, the audit count, the item's slide and gate
// lookup (cached), and a verified ranged read of the encrypted blob store. `capability`: the tile
// requests carry the slide view's tile capability (session and membership checked every few
// seconds); `session`: they carry only the session token, checked in the database each time.
// Prints one JSON line: the port, the tile URL prefix and the headers to send.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFromEnv, createServer } from '@delineate/server';
import { BlobKey, DeidRecordRepository, ItemRepository, LocalBlobStore, registerSlidePyramid, testing } from '@delineate/store';
import { openTestSession } from '../../apps/server/src/access';
import { seedProject } from '../../apps/server/src/test/harness';

const [path, dir, mode = 'capability'] = process.argv.slice(2);
if (!path || !dir || (mode !== 'capability' && mode !== 'session')) throw new Error('usage: api-server.ts <slide.tif> <dir> [capability|session]');
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
// Opening the slide view hands out its tile capability, which the tile requests then carry.
const view = await server.app.inject({ method: 'GET', url: `/api/slides/${item.id}`, headers });
const granted = (view.json() as { tileCapability: { header: string; token: string } | null }).tileCapability;
if (!granted) throw new Error('the slide view gave no tile capability');
const tileHeaders = mode === 'capability' ? { ...headers, [granted.header]: granted.token } : headers;
process.stdout.write(`${JSON.stringify({ port: Number(address.port), prefix: `/api/slides/${item.id}/${slide.pyramidHash}`, headers: tileHeaders })}\n`);
process.on('SIGTERM', () => {
  void server.app.close().then(() => process.exit(0));
});
