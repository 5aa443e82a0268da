import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessRepository, registerSlidePyramid, testing } from '@delineate/store';
import { LocalPyramidFile, SlideTileServer } from '@delineate/wsi';
import { openTestSession } from '../access';
import { asUser } from '../test/auth';
import { startHarness, type Harness } from '../test/harness';
import { makeTestPyramid, registerTestSlide } from '../test/slide-bed';

const kinds = testing.testDatabaseKinds();

describe.each(kinds.run)('slide routes on %s', (kind) => {
  let h: Harness;
  let dir: string;
  let pyramidPath: string;
  let headers: Record<string, string>;
  let itemId: string;
  let hash: string;
  const local = new SlideTileServer();
  let file: LocalPyramidFile;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dln-slide-routes-'));
    pyramidPath = makeTestPyramid(dir, 1100, 700);
    file = new LocalPyramidFile(pyramidPath);
    h = await startHarness(kind);
    headers = await asUser(h, h.seeded.userId);
    const registered = await registerTestSlide(h, pyramidPath, 0.25);
    hash = registered.pyramidHash;
    expect(hash).toBe(createHash('sha256').update(readFileSync(pyramidPath)).digest('hex'));
    itemId = registered.itemId;
  });
  afterAll(async () => {
    await file?.close();
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string, extra: Record<string, string> = {}) => h.server.app.inject({ method: 'GET', url, headers: { ...headers, ...extra } });

  it("describes the item's slide with its levels and tile URLs", async () => {
    const res = await get(`/api/slides/${itemId}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      itemId,
      pyramidHash: hash,
      width: 1100,
      height: 700,
      mpp: 0.25,
      tileSize: 256,
      levels: [
        { width: 1100, height: 700, columns: 5, rows: 3, downsample: 1 },
        { width: 550, height: 350, columns: 3, rows: 2, downsample: 2 },
        { width: 275, height: 175, columns: 2, rows: 1, downsample: 4 },
        { width: 137, height: 87, columns: 1, rows: 1 },
      ],
      tileUrlTemplate: `/api/slides/${itemId}/${hash}/tiles/{level}/{column}/{row}.jpg`,
    });
  });

  it('serves stored tiles by passthrough at immutable URLs, 304 for a held ETag', async () => {
    const res = await get(`/api/slides/${itemId}/${hash}/tiles/0/2/1.jpg`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    expect(new Uint8Array(res.rawPayload)).toEqual(await local.tile(file, 0, 2, 1));
    const etag = String(res.headers.etag);
    const again = await get(`/api/slides/${itemId}/${hash}/tiles/0/2/1.jpg`, { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
    const other = await get(`/api/slides/${itemId}/${hash}/tiles/1/1/1.jpg`, { 'if-none-match': etag });
    expect(other.statusCode).toBe(200);
    expect(other.headers.etag).not.toBe(etag);
  });

  it('answers coded errors for tiles and pyramids that are not there', async () => {
    expect((await get(`/api/slides/${itemId}/${hash}/tiles/0/5/0.jpg`)).json()).toMatchObject({ code: 'DLN_SLIDE_TILE_NOT_FOUND' });
    expect((await get(`/api/slides/${itemId}/${hash}/tiles/4/0/0.jpg`)).statusCode).toBe(404);
    expect((await get(`/api/slides/${itemId}/${'0'.repeat(64)}/tiles/0/0/0.jpg`)).json()).toMatchObject({ code: 'DLN_NOT_FOUND' });
    expect((await get(`/api/slides/${itemId}/${hash}/tiles/0/x/0.jpg`)).statusCode).toBe(400);
    expect((await get(`/api/slides/${h.seeded.itemId}`)).json()).toMatchObject({ code: 'DLN_CONFLICT' });
  });

  it('serves Deep Zoom: the descriptor, stored tiles as they are, edge tiles re-cut', async () => {
    const dzi = await get(`/api/slides/${itemId}/${hash}/slide.dzi`);
    expect(dzi.statusCode).toBe(200);
    expect(dzi.body).toContain('TileSize="256"><Size Width="1100" Height="700"/>');
    const tile = await get(`/api/slides/${itemId}/${hash}/slide_files/11/1_1.jpeg`);
    expect(new Uint8Array(tile.rawPayload)).toEqual(await local.tile(file, 0, 1, 1));
    const edge = await get(`/api/slides/${itemId}/${hash}/slide_files/11/4_2.jpeg`);
    expect(edge.statusCode).toBe(200);
    expect(new Uint8Array(edge.rawPayload)).not.toEqual(await local.tile(file, 0, 4, 2));
    expect((await get(`/api/slides/${itemId}/${hash}/slide_files/12/0_0.jpeg`)).statusCode).toBe(404);
    expect((await get(`/api/slides/${itemId}/${hash}/slide_files/11/1-1.jpeg`)).statusCode).toBe(400);
  });

  it('serves IIIF Image API 3: info.json, stored tiles, and refuses other regions with a coded 400', async () => {
    const info = await get(`/api/slides/${itemId}/${hash}/iiif/info.json`);
    expect(info.statusCode).toBe(200);
    expect(info.json()).toMatchObject({ id: expect.stringMatching(new RegExp(`/api/slides/${itemId}/${hash}/iiif$`)), width: 1100, height: 700, tiles: [{ width: 256, scaleFactors: [1, 2, 4, 8] }] });
    const tile = await get(`/api/slides/${itemId}/${hash}/iiif/256,0,256,256/256,/0/default.jpg`);
    expect(new Uint8Array(tile.rawPayload)).toEqual(await local.tile(file, 0, 1, 0));
    const refused = await get(`/api/slides/${itemId}/${hash}/iiif/10,10,300,300/300,/0/default.jpg`);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'DLN_SLIDE_REGION_UNSUPPORTED' });
  });

  it('cannot register a slide whose pyramid has not passed de-identification (the database refuses it)', async () => {
    const db = h.database.db;
    const { subject_id: subjectId } = await db.selectFrom('items').select('subject_id').where('id', '=', h.seeded.itemId).executeTakeFirstOrThrow();
    const pyramid = new Uint8Array(readFileSync(pyramidPath));
    pyramid[pyramid.length - 1] = pyramid[pyramid.length - 1]! ^ 1;
    const before = await db.selectFrom('slides').select(db.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    await expect(registerSlidePyramid(db, h.server.context.blobs, { subjectId, pyramid })).rejects.toMatchObject({ code: 'DLN_DEID_GATE_NOT_PASSED' });
    const after = await db.selectFrom('slides').select(db.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('refuses anonymous callers and users without a role in the project', async () => {
    expect((await h.server.app.inject({ method: 'GET', url: `/api/slides/${itemId}/${hash}/tiles/0/0/0.jpg` })).statusCode).toBe(401);
    const stranger = await new AccessRepository(h.database.db).createUser({ username: `stranger-${crypto.randomUUID()}`, displayName: 'Stranger', now: new Date() });
    const { headers: strangerHeaders } = await openTestSession(h.server.app.accessRuntime, stranger.id);
    expect((await h.server.app.inject({ method: 'GET', url: `/api/slides/${itemId}/${hash}/tiles/0/0/0.jpg`, headers: strangerHeaders })).statusCode).toBe(404);
  });

  it('audits the slide view once per request and its tile reads as one count per slide and session', async () => {
    const runtime = h.server.app.accessRuntime;
    const viewer = await openTestSession(runtime, h.seeded.userId, { grant: { projectId: h.seeded.projectId, roles: ['annotator'] } });
    await runtime.tiles.flush();
    const before = (await runtime.audit.head()).sequence;
    await h.server.app.inject({ method: 'GET', url: `/api/slides/${itemId}`, headers: viewer.headers });
    for (let i = 0; i < 12; i++) {
      const res = await h.server.app.inject({ method: 'GET', url: `/api/slides/${itemId}/${hash}/tiles/0/${i % 5}/${i % 3}.jpg`, headers: viewer.headers });
      expect(res.statusCode).toBe(200);
    }
    await h.server.app.inject({ method: 'GET', url: `/api/slides/${itemId}/${hash}/slide_files/10/0_0.jpeg`, headers: viewer.headers });
    await runtime.auditSettled();
    await runtime.tiles.flush();
    const events = (await runtime.audit.range(new Date(0), new Date(Date.now() + 60_000))).filter((e) => e.sequence > before && e.objectId === itemId);
    expect(events.map((e) => [e.action, e.count ?? 1])).toEqual([
      ['image.header.read', 1],
      ['image.tile.read', 13],
    ]);
  });
});
