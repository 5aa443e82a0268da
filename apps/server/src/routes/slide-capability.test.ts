import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AccessRepository, ItemRepository, testing } from '@delineate/store';
import { LocalPyramidFile, SlideTileServer } from '@delineate/wsi';
import { openTestSession, TILE_CAPABILITY_COOKIE, TILE_CAPABILITY_HEADER } from '../access';
import { startHarness, type Harness } from '../test/harness';
import { makeTestPyramid, registerTestSlide } from '../test/slide-bed';

const kinds = testing.testDatabaseKinds();
/** The access layer's defaults: capabilities live 10 minutes and are checked again after 5 s. */
const REVALIDATE_MS = 5_000;
const LIFETIME_MS = 10 * 60_000;

describe.each(kinds.run)('tile capabilities on %s', (kind) => {
  let h: Harness;
  let dir: string;
  let file: LocalPyramidFile;
  let slide: { itemId: string; slideId: string; pyramidHash: string; subjectId: string };
  /** A second item over the same slide: another slide view, the same pyramid. */
  let otherItemId: string;
  let nowMs = Date.parse('2026-12-05T06:00:00Z');
  const local = new SlideTileServer();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dln-slide-capability-'));
    const path = makeTestPyramid(dir, 600, 300);
    file = new LocalPyramidFile(path);
    h = await startHarness(kind, {}, { clock: () => new Date(nowMs) });
    slide = await registerTestSlide(h, path);
    const region = { x: 0, y: 0, width: 300, height: 300 };
    otherItemId = (await new ItemRepository(h.database.db).createItem({ projectId: h.seeded.projectId, subjectId: slide.subjectId, target: { kind: 'slide_region', slideId: slide.slideId, region } })).id;
  });
  afterAll(async () => {
    await file?.close();
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    nowMs += LIFETIME_MS; // every test starts with no capability still held or valid
  });

  /** A fresh session of a new annotator of the project, and the capability its slide view gave. */
  async function openSlideView(itemId = slide.itemId): Promise<{ userId: string; headers: Record<string, string>; capability: string; cookie: string }> {
    const user = await new AccessRepository(h.database.db).createUser({ username: `viewer-${crypto.randomUUID()}`, displayName: 'Viewer', now: new Date(nowMs) });
    const { headers } = await openTestSession(h.server.app.accessRuntime, user.id, { grant: { projectId: h.seeded.projectId, roles: ['annotator'] } });
    const view = await h.server.app.inject({ method: 'GET', url: `/api/slides/${itemId}`, headers });
    expect(view.statusCode, view.body).toBe(200);
    const granted = view.json().tileCapability as { header: string; token: string; expiresAt: string };
    expect(granted).toMatchObject({ header: TILE_CAPABILITY_HEADER, expiresAt: new Date(nowMs + LIFETIME_MS).toISOString() });
    return { userId: user.id, headers, capability: granted.token, cookie: String(view.headers['set-cookie']) };
  }

  const tile = (headers: Record<string, string>, itemId = slide.itemId, path = '0/1/0.jpg') =>
    h.server.app.inject({ method: 'GET', url: `/api/slides/${itemId}/${slide.pyramidHash}/tiles/${path}`, headers });

  it("sets the capability as a cookie on the slide's tile URLs and serves tiles on it (header or cookie)", async () => {
    const viewer = await openSlideView();
    expect(viewer.cookie).toContain(`${TILE_CAPABILITY_COOKIE}=${viewer.capability}`);
    expect(viewer.cookie).toContain(`Path=/api/slides/${slide.itemId}/${slide.pyramidHash}/`);
    expect(viewer.cookie).toContain('HttpOnly');
    const byHeader = await tile({ ...viewer.headers, [TILE_CAPABILITY_HEADER]: viewer.capability });
    expect(byHeader.statusCode, byHeader.body).toBe(200);
    expect(new Uint8Array(byHeader.rawPayload)).toEqual(await local.tile(file, 0, 1, 0));
    const byCookie = await tile({ ...viewer.headers, cookie: `other=1; ${TILE_CAPABILITY_COOKIE}=${viewer.capability}` }, slide.itemId, '1/0/0.jpg');
    expect(byCookie.statusCode, byCookie.body).toBe(200);
  });

  it('a tile read without a capability is checked in full and hands one out', async () => {
    const viewer = await openSlideView();
    const plain = await tile(viewer.headers);
    expect(plain.statusCode).toBe(200);
    const cookie = String(plain.headers['set-cookie']);
    const token = new RegExp(`${TILE_CAPABILITY_COOKIE}=([^;]+)`).exec(cookie)?.[1];
    expect(token).toBeDefined();
    expect((await tile({ ...viewer.headers, cookie: `${TILE_CAPABILITY_COOKIE}=${token}` })).statusCode).toBe(200);
  });

  it('a revoked session stops tile reads within the re-validation interval; logout stops them at once', async () => {
    const viewer = await openSlideView();
    const withCapability = { ...viewer.headers, [TILE_CAPABILITY_HEADER]: viewer.capability };
    expect((await tile(withCapability)).statusCode).toBe(200);
    const runtime = h.server.app.accessRuntime;
    const [session] = await runtime.repo.sessionsOfUser(viewer.userId);
    await runtime.repo.revokeSession(session!.id, 'test', new Date(nowMs));
    // Within the bound the remembered check stands (no database read per tile) ...
    nowMs += REVALIDATE_MS - 1;
    expect((await tile(withCapability)).statusCode).toBe(200);
    // ... and at the bound the session is looked at again.
    nowMs += 1;
    const refused = await tile(withCapability);
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ code: 'DLN_AUTH_REQUIRED' });

    const other = await openSlideView();
    const otherHeaders = { ...other.headers, [TILE_CAPABILITY_HEADER]: other.capability };
    expect((await tile(otherHeaders)).statusCode).toBe(200);
    expect((await h.server.app.inject({ method: 'POST', url: '/api/auth/logout', headers: other.headers })).statusCode).toBe(204);
    expect((await tile(otherHeaders)).statusCode).toBe(401);
  });

  it('a removed membership stops tile reads within the re-validation interval', async () => {
    const viewer = await openSlideView();
    const withCapability = { ...viewer.headers, [TILE_CAPABILITY_HEADER]: viewer.capability };
    expect((await tile(withCapability)).statusCode).toBe(200);
    const runtime = h.server.app.accessRuntime;
    for (const membership of await runtime.repo.membershipsOfUser(viewer.userId)) await runtime.repo.removeMembership(membership.id);
    nowMs += REVALIDATE_MS;
    const refused = await tile(withCapability);
    expect(refused.statusCode).toBe(404);
    expect(refused.json()).toMatchObject({ code: 'DLN_NOT_FOUND' });
  });

  it('refuses a forged or expired capability with a coded error and clears its cookie', async () => {
    const viewer = await openSlideView();
    const mac = viewer.capability.slice(viewer.capability.lastIndexOf('.') + 1);
    const flipped = `${viewer.capability.slice(0, -mac.length)}${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    const longer = viewer.capability.replace(/^v1\.(\d+)\./, (_, expires: string) => `v1.${Number(expires) + LIFETIME_MS}.`);
    for (const forged of [flipped, longer, 'v1.1.x.y', 'not-a-capability']) {
      const res = await tile({ ...viewer.headers, [TILE_CAPABILITY_HEADER]: forged });
      expect(res.statusCode, forged).toBe(401);
      expect(res.json()).toMatchObject({ code: 'DLN_AUTH_CAPABILITY_INVALID' });
      expect(String(res.headers['set-cookie'])).toContain(`${TILE_CAPABILITY_COOKIE}=; Path=/api/slides/${slide.itemId}/${slide.pyramidHash}/`);
    }
    nowMs += LIFETIME_MS;
    const expired = await tile({ ...viewer.headers, [TILE_CAPABILITY_HEADER]: viewer.capability });
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toMatchObject({ code: 'DLN_AUTH_CAPABILITY_EXPIRED' });
    expect(String(expired.headers['set-cookie'])).toContain('Max-Age=0');
  });

  it("does not read another slide view's tiles, nor work beside another session", async () => {
    const viewer = await openSlideView();
    const other = await tile({ ...viewer.headers, [TILE_CAPABILITY_HEADER]: viewer.capability }, otherItemId);
    expect(other.statusCode).toBe(401);
    expect(other.json()).toMatchObject({ code: 'DLN_AUTH_CAPABILITY_INVALID' });
    // The same user signed in again: the capability belongs to the first session's token only.
    const second = await openTestSession(h.server.app.accessRuntime, viewer.userId);
    expect((await tile({ ...second.headers, [TILE_CAPABILITY_HEADER]: viewer.capability })).json()).toMatchObject({ code: 'DLN_AUTH_CAPABILITY_INVALID' });
    expect((await tile({ [TILE_CAPABILITY_HEADER]: viewer.capability })).json()).toMatchObject({ code: 'DLN_AUTH_CAPABILITY_INVALID' });
  });

  it('keeps auditing tile reads per slide view and session, and a forged capability as a refused request', async () => {
    const runtime = h.server.app.accessRuntime;
    const viewer = await openSlideView();
    await runtime.auditSettled();
    await runtime.tiles.flush();
    const before = (await runtime.audit.head()).sequence;
    for (let i = 0; i < 9; i++) expect((await tile({ ...viewer.headers, [TILE_CAPABILITY_HEADER]: viewer.capability }, slide.itemId, `0/${i % 3}/${i % 2}.jpg`)).statusCode).toBe(200);
    await tile({ ...viewer.headers, [TILE_CAPABILITY_HEADER]: `${viewer.capability}x` });
    await runtime.auditSettled();
    await runtime.tiles.flush();
    const events = (await runtime.audit.range(new Date(0), new Date(nowMs + 60_000))).filter((e) => e.sequence > before && e.action === 'image.tile.read');
    expect(events.map((e) => [e.actorId, e.objectId, e.outcome, e.count ?? 1])).toEqual([
      [null, slide.itemId, 'denied', 1],
      [viewer.userId, slide.itemId, 'success', 9],
    ]);
  });
});
