import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeidRecordRepository, ItemRepository, registerSlidePyramid, testing } from '@delineate/store';
import { asUser } from '../test/auth';
import { startHarness, type Harness } from '../test/harness';

/** The item view the workspace opens for a slide region: one slice of the region's pixels, spacing from the slide's µm per pixel. */
describe.each(testing.testDatabaseKinds().run)('item view of a slide region on %s', (kind) => {
  let h: Harness;
  let dir: string;
  let itemId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dln-slide-item-'));
    const path = join(dir, 'slide.tif');
    const run = spawnSync('vips', ['black', path + '[tile,pyramid,compression=jpeg,bigtiff,tile-width=256,tile-height=256]', '600', '400', '--bands', '3'], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`vips failed: ${run.stderr}`);
    h = await startHarness(kind);
    const db = h.database.db;
    const { subject_id: subjectId } = await db.selectFrom('items').select('subject_id').where('id', '=', h.seeded.itemId).executeTakeFirstOrThrow();
    const pyramid = new Uint8Array(readFileSync(path));
    const hash = createHash('sha256').update(pyramid).digest('hex');
    await new DeidRecordRepository(db).record({ projectId: h.seeded.projectId, sourceHash: hash.replace(/^./, 'a'), outputHash: hash, profile: 'basic', options: [], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
    const slide = await registerSlidePyramid(db, h.server.context.blobs, { subjectId, pyramid, mpp: 0.5 });
    itemId = (await new ItemRepository(db).createItem({ projectId: h.seeded.projectId, subjectId, target: { kind: 'slide_region', slideId: slide.slideId, region: { x: 100, y: 50, width: 300, height: 200 } } })).id;
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is the region as one slice, in mm per pixel, with the project modality and label schema', async () => {
    const res = await h.server.app.inject({ method: 'GET', url: `/api/items/${itemId}`, headers: await asUser(h, h.seeded.userId) });
    expect(res.statusCode, res.body).toBe(200);
    const view = res.json();
    expect(view).toMatchObject({ id: itemId, kind: 'slide_region', grid: { columns: 300, rows: 200, slices: 1, spacing: [0.0005, 0.0005, 1] } });
    expect(view.labelSchema.labels.length).toBeGreaterThan(0);
    expect(typeof view.modality).toBe('string');
  });

  it('still answers a series volume as before', async () => {
    const res = await h.server.app.inject({ method: 'GET', url: `/api/items/${h.seeded.itemId}`, headers: await asUser(h, h.seeded.userId) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().kind).toBe('series_volume');
  });
});
