import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { decodeRle8, decodeTileSet } from '@delineate/core';
import { apiUser, type ApiUser } from './api-user';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, screenshotPath, signIn, startDemoServer, type RunningServer } from './harness';

/**
 * The pathology workflow in Chromium (issue 17): the project administrator draws a region at 2× on
 * the demo's 0.25 µm/px slide and gives it a 40× template with fixed fields; both readers open
 * their task from the work list, find the tools off at 5× with the reason in words and on inside
 * the band, paint (reader 1) and place mitotic figures in two fields, and mark those fields done;
 * the agreement report's F1 equals the value worked out here from the two stored point sets; the
 * expert's boundary review of reader 1's two-class mask has the number of fields computed here, and
 * signing is refused until every field was seen.
 */
const run = browserAvailable() ? describe : describe.skip;

type Box = { x: number; y: number; width: number; height: number };
type Hooks = Record<string, (...args: unknown[]) => unknown>;

const call = <T,>(page: Page, fn: string, ...args: unknown[]): Promise<T> =>
  page.evaluate(([name, a]) => (window as unknown as { __delineate: Hooks }).__delineate[name as string]!(...(a as unknown[])) as T, [fn, args] as const);

/** Clicks a full-resolution slide pixel; returns the page point clicked. */
async function clickSlide(page: Page, x: number, y: number): Promise<void> {
  const p = await call<{ x: number; y: number }>(page, 'slideToPage', x, y);
  await page.mouse.click(Math.round(p.x), Math.round(p.y));
}

async function dragSlide(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  const a = await call<{ x: number; y: number }>(page, 'slideToPage', ...from);
  const b = await call<{ x: number; y: number }>(page, 'slideToPage', ...to);
  await page.mouse.move(Math.round(a.x), Math.round(a.y));
  await page.mouse.down();
  await page.mouse.move(Math.round(b.x), Math.round(b.y), { steps: 4 });
  await page.mouse.up();
}

async function waitOpen(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const d = (window as unknown as { __delineate?: Hooks }).__delineate;
    return !!d?.ready?.() && typeof d.fullyLoaded === 'function' && !!d.fullyLoaded();
  }, undefined, { timeout: 60_000 });
}

async function settleAt(page: Page, magnification: number): Promise<void> {
  await page.click(`[data-testid=magnification-${magnification}]`);
  await page.waitForFunction((m) => {
    const d = (window as unknown as { __delineate: Hooks }).__delineate;
    return !!d.settled!() && Math.abs((d.magnification!() as number) / m - 1) < 0.02;
  }, magnification);
}

/**
 * Navigation stays inside the region: zoomed in until the view is smaller than the region, keys
 * and a long drag towards the far corner of the slide leave the view inside the region's box and
 * its margin; field 0 is then opened again.
 */
async function staysInsideRegion(page: Page, bounds: Box): Promise<void> {
  type Rect = { x: number; y: number; width: number; height: number };
  const limit = await call<Rect | null>(page, 'navigationLimit');
  expect(limit).not.toBeNull();
  expect(limit!.x).toBeLessThanOrEqual(bounds.x);
  expect(limit!.x + limit!.width).toBeGreaterThanOrEqual(bounds.x + bounds.width);
  expect(limit!.width - bounds.width).toBeLessThanOrEqual(2 * Math.max(64, Math.max(bounds.width, bounds.height) / 20) + 1);
  for (let k = 0; k < 3; k++) await page.keyboard.press('+');
  await page.waitForFunction(() => (window as unknown as { __delineate: Hooks }).__delineate.settled!());
  for (let k = 0; k < 20; k++) await page.keyboard.press('ArrowRight');
  for (let k = 0; k < 20; k++) await page.keyboard.press('ArrowDown');
  await page.mouse.move(1200, 800);
  await page.mouse.down();
  await page.mouse.move(100, 100, { steps: 8 });
  await page.mouse.up();
  await page.waitForFunction(() => (window as unknown as { __delineate: Hooks }).__delineate.settled!());
  await page.waitForTimeout(600);
  const view = await call<Rect>(page, 'viewRect');
  // Smaller than the region at this zoom, so wholly inside the region's box and margin.
  expect(view.width).toBeLessThan(limit!.width);
  const slack = 1;
  expect(view.x).toBeGreaterThanOrEqual(limit!.x - slack);
  expect(view.y).toBeGreaterThanOrEqual(limit!.y - slack);
  expect(view.x + view.width).toBeLessThanOrEqual(limit!.x + limit!.width + slack);
  expect(view.y + view.height).toBeLessThanOrEqual(limit!.y + limit!.height + slack);
  await page.click('[data-testid=field-0]');
  // Two frames first, so the view the click starts is under way before "settled" is read.
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
  await page.waitForFunction(() => (window as unknown as { __delineate: Hooks }).__delineate.settled!());
}

/** The test's own matching: with points this far apart each has at most one partner within the radius. */
function handF1(a: readonly { x: number; y: number }[], b: readonly { x: number; y: number }[], radius: number): number {
  const used = new Set<number>();
  let matched = 0;
  for (const p of a) {
    const k = b.findIndex((q, i) => !used.has(i) && Math.hypot(p.x - q.x, p.y - q.y) <= radius);
    if (k >= 0) {
      used.add(k);
      matched++;
    }
  }
  return (2 * matched) / (a.length + b.length);
}

/** Fields of `fieldPx` (from the mask's corner) holding a pixel within `bandPx` of a tumour–stroma boundary pixel, by brute force. */
function handBandFields(labels: Uint8Array, width: number, height: number, bandPx: number, fieldPx: number): number {
  const boundary: [number, number][] = [];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const v = labels[y * width + x]!;
      if (v !== 1 && v !== 2) continue;
      const other = 3 - v;
      const n = [x > 0 ? labels[y * width + x - 1] : -1, x + 1 < width ? labels[y * width + x + 1] : -1, y > 0 ? labels[(y - 1) * width + x] : -1, y + 1 < height ? labels[(y + 1) * width + x] : -1];
      if (n.includes(other)) boundary.push([x, y]);
    }
  const fields = new Set<string>();
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const key = `${Math.floor(x / fieldPx)},${Math.floor(y / fieldPx)}`;
      if (fields.has(key)) continue;
      if (boundary.some(([bx, by]) => (bx - x) ** 2 + (by - y) ** 2 <= bandPx * bandPx)) fields.add(key);
    }
  return fields.size;
}

run('pathology workflow in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let projectId = '';
  let slideItemId = '';
  let regionItemId = '';
  let bounds: Box = { x: 0, y: 0, width: 0, height: 0 };
  const readers: { username: string; password: string; taskId?: string }[] = [];
  /** A second project administrator for the API calls (the demo's signs in through the browser). */
  let admin: ApiUser;
  let lead = { username: '', password: '' };
  let leadPage: Page;

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startDemoServer({ slices: 8, size: 64 });
    ({ browser } = await launchBrowser());
    const steward = await apiUser(server.url, 'demo.steward', server.passwords.get('demo.steward')!);
    const projects = (await steward.ok('GET', '/api/projects')).projects as { id: string; name: string }[];
    projectId = projects.find((p) => p.name.startsWith('H&E pathology demo'))!.id;
    const platform = await apiUser(server.url, 'demo.admin', server.passwords.get('demo.admin')!);
    // Two pathologist readers (the demo annotator qualifies as one too) and a pathologist expert for slides.
    const users = (await platform.ok('GET', '/api/users')).users as { id: string; username: string }[];
    const id = (name: string) => users.find((u) => u.username === name)!.id;
    await platform.ok('POST', `/api/users/${id('demo.annotator')}/qualifications`, { kind: 'pathologist', modality: 'SM' });
    await platform.ok('POST', `/api/users/${id('demo.expert')}/qualifications`, { kind: 'pathologist', modality: 'SM' });
    const person = async (username: string, roles: string[], kind: string | null) => {
      const password = `e2e-${crypto.randomUUID()}`;
      const user = await platform.ok('POST', '/api/users', { username, displayName: username, password });
      if (kind) await platform.ok('POST', `/api/users/${user.id}/qualifications`, { kind, modality: 'SM' });
      for (const role of roles) await platform.ok('POST', `/api/projects/${projectId}/memberships`, { userId: user.id, role });
      return password;
    };
    // The lead pathologist sees slides (a clinician annotator) and makes tasks (the project's administrator).
    lead = { username: 'e2e.pathlead', password: await person('e2e.pathlead', ['clinician_annotator', 'project_admin'], 'pathologist') };
    readers.push({ username: 'demo.annotator', password: server.passwords.get('demo.annotator')! }, { username: 'e2e.pathologist', password: await person('e2e.pathologist', ['annotator'], 'pathologist') });
    admin = await apiUser(server.url, 'e2e.pathadmin', await person('e2e.pathadmin', ['project_admin'], null));
    // Every region is read by both, blinded.
    const config = await admin.ok('GET', `/api/projects/${projectId}/workflow/config`);
    await admin.ok('PUT', `/api/projects/${projectId}/workflow/config`, { ...config, agreementSampling: { fraction: 1, readersPerItem: 2, blinded: true } });
    const items = (await admin.ok('GET', `/api/projects/${projectId}/items/names`)).items as { id: string; kind: string }[];
    slideItemId = items.find((i) => i.kind === 'slide_region')!.id;
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a region drawn at 2× becomes two 40× reader tasks with their fields', async () => {
    const page = (leadPage = await (await newContext(browser)).newPage());
    await page.setViewportSize({ width: 1600, height: 1000 });
    await signIn(page, server.url, lead.username, lead.password);
    await page.goto(`${server.url}/#/items/${slideItemId}`);
    await waitOpen(page);
    await settleAt(page, 2);
    await page.click('[data-testid=region-draw]');
    for (const [x, y] of [[800, 800], [1200, 800], [1200, 1200], [800, 1200], [800, 800]] as const) await clickSlide(page, x, y);
    await page.waitForSelector('[data-testid=region-template]');
    await page.selectOption('[data-testid=region-magnification]', '40');
    await page.selectOption('[data-testid=region-tiling]', 'fixed');
    await page.fill('[data-testid=region-field-size]', '64');
    await page.click('[data-testid=region-create]');
    await page.waitForSelector('[data-testid=region-row] [data-testid=region-task]:nth-child(2)');
    const { regions } = await admin.ok('GET', `/api/items/${slideItemId}/pathology/regions`);
    expect(regions).toHaveLength(1);
    const region = regions[0];
    ({ bounds } = region);
    regionItemId = region.itemId;
    expect(region.template).toMatchObject({ magnification: 40, fieldTiling: { kind: 'fixed', sizeUm: 64 } });
    // Drawn at 2× (20 slide pixels to a screen pixel): the corners land within a screen pixel of where they were clicked.
    for (const [v, [x, y]] of region.polygon.map((p: [number, number], i: number) => [p, [[800, 800], [1200, 800], [1200, 1200], [800, 1200]][i]!] as const)) {
      expect(Math.abs(v[0] - x)).toBeLessThanOrEqual(20);
      expect(Math.abs(v[1] - y)).toBeLessThanOrEqual(20);
    }
    // Fields of 64 µm = 256 px over the region's bounds: a rectangle meets every one.
    const fieldCount = Math.ceil(bounds.width / 256) * Math.ceil(bounds.height / 256);
    expect(fieldCount).toBe(4);
    const rows = page.locator('[data-testid=region-task]');
    for (let i = 0; i < 2; i++) expect(await rows.nth(i).textContent()).toBe(`assigned · 0 of ${fieldCount} fields done`);
    await page.screenshot({ path: screenshotPath('pathology-region') });
  }, 300_000);

  /** Each reader: the work list, the zoom band, painting (the first), points in two fields, fields done. */
  const read = async (reader: (typeof readers)[number], offsets: readonly [number, number][], paint: boolean) => {
    const page = await (await newContext(browser)).newPage();
    await page.setViewportSize({ width: 1600, height: 1000 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(page, server.url, reader.username, reader.password);
    const row = page.locator('[data-testid=task-row]', { has: page.locator('[data-testid=task-fields]') });
    await row.waitFor();
    expect(await row.locator('[data-testid=task-fields]').textContent()).toBe(' · 0 of 4 fields done');
    reader.taskId = (await row.getAttribute('data-task'))!;
    await row.locator('[data-testid=open-task]').click();
    await waitOpen(page);
    // The task opens on its first field at the target magnification.
    await page.waitForFunction(() => (window as unknown as { __delineate: Hooks }).__delineate.currentField?.() === 0);
    await page.waitForFunction(() => (window as unknown as { __delineate: Hooks }).__delineate.settled!());
    expect(await page.textContent('[data-testid=magnification]')).toBe('40×');
    expect(await page.isDisabled('[data-testid=slide-tool-brush]')).toBe(false);

    await settleAt(page, 5);
    expect(await page.textContent('[data-testid=band-reason]')).toBe('Painting works from 26.67× to 60× for this 40× task; zoom in from 5×');
    expect(await page.isDisabled('[data-testid=slide-tool-brush]')).toBe(true);
    await page.click('[data-testid=field-0]');
    // Back at the field's 40×: the viewer may still read as settled from 5× for a frame after the click.
    await page.waitForFunction(() => document.querySelector('[data-testid=magnification]')?.textContent === '40×');
    await page.waitForFunction(() => (window as unknown as { __delineate: Hooks }).__delineate.settled!());
    expect(await page.locator('[data-testid=band-reason]').count()).toBe(0);
    if (paint) await staysInsideRegion(page, bounds);

    if (paint) {
      // The stored labels of the view first: a stroke where they are still loading is not kept.
      await page.waitForFunction(() => !!(window as unknown as { __delineate: Hooks }).__delineate.labelsInViewLoaded!());
      // A tumour–stroma boundary down the middle of the region.
      const mid = bounds.x + 200;
      await page.click('[data-testid=label-tumour]');
      await page.click('[data-testid=slide-tool-rectangle]');
      await dragSlide(page, [bounds.x + 40, bounds.y + 40], [mid, bounds.y + bounds.height - 40]);
      await page.click('[data-testid=label-stroma]');
      await page.waitForTimeout(1500);
      await page.screenshot({ path: screenshotPath('pathology-before-second-stroke') });
      const under = await call<{ x: number; y: number }>(page, 'slideToPage', mid, bounds.y + 40);
      const hit = await page.evaluate(([x, y]) => {
        const e = document.elementFromPoint(x!, y!);
        return e ? `${e.tagName}.${e.className}[${e.getAttribute('data-testid') ?? ''}] ${getComputedStyle(e).pointerEvents}` : 'nothing';
      }, [Math.round(under.x), Math.round(under.y)]);
      expect(hit).toBe('CANVAS.slide-labels[] auto');
      await dragSlide(page, [mid, bounds.y + 40], [bounds.x + bounds.width - 40, bounds.y + bounds.height - 40]);
      // Label pixels (the region's own): tumour left of the boundary, stroma right of it.
      expect([await call(page, 'labelAt', 200 - 10, 100), await call(page, 'labelAt', 200 + 10, 100)]).toEqual([1, 2]);
      await page.click('[data-testid=save]');
      await page.waitForSelector('[data-testid=save-state]:has-text("version 1")');
      await page.click('[data-testid=slide-tool-navigate]');
    }

    const { fields } = (await page.evaluate(async (t) => (await fetch(`/api/workflow/tasks/${t}/pathology`)).json(), reader.taskId)) as { fields: { box: Box }[] };
    await page.click('[data-testid=cells-tool]');
    await page.click('[data-testid=cell-class-mitotic_figure]');
    for (const [k, [dx, dy]] of offsets.entries()) {
      const field = k < 2 ? 0 : 1;
      if (k === 2) {
        await page.keyboard.press('PageDown');
        await page.waitForFunction(() => (window as unknown as { __delineate: Hooks }).__delineate.currentField?.() === 1);
      }
      const box = fields[field]!.box;
      await clickSlide(page, box.x + dx, box.y + dy);
    }
    await page
      .waitForFunction((n) => (window as unknown as { __delineate: Hooks }).__delineate.cellCount?.() === n, offsets.length, { timeout: 10_000 })
      .catch(async (e: unknown) => {
        await page.screenshot({ path: screenshotPath(`pathology-cells-failed-${reader.username}`) });
        throw new Error(`cells: ${await call(page, 'cellCount')}, says "${await page.textContent('[data-testid=cells-status]')}"; page errors: ${errors.join(' | ')}; ${String(e)}`);
      });
    await page.click('[data-testid=cells-save]');
    await page.waitForFunction(() => (window as unknown as { __delineate: Hooks }).__delineate.cellsPending?.() === 0);
    expect(await call<number>(page, 'cellDraws')).toBeGreaterThan(0);
    for (const f of [0, 1]) {
      await page.click(`[data-testid=field-${f}]`);
      await page.click('[data-testid=field-done]');
      await page.waitForSelector(`[data-testid=field-${f}][data-state=done]`);
    }
    await page.waitForSelector('[data-testid=field-progress]:has-text("2 of 4 fields done")');
    await page.screenshot({ path: screenshotPath(`pathology-reader-${reader.username}`) });
    await page.goto(`${server.url}/#/`);
    await page.waitForSelector('[data-testid=task-fields]:has-text("2 of 4 fields done")');
    await page.context().close();
  };

  it('the first reader finds the tools off at 5×, paints at 40×, marks mitotic figures in two fields and finishes them', async () => {
    await read(readers[0]!, [[60, 60], [160, 120], [100, 100]], true);
  }, 300_000);

  it('the second reader does the same, and the agreement report shows the F1 of the two point sets', async () => {
    // One figure 5 px from the first reader's (matched within 4 µm = 16 px), one 40 px off, one extra.
    await read(readers[1]!, [[65, 60], [200, 120], [30, 200]], false);
    const points = await Promise.all(
      readers.map(async (r) => ((await admin.ok('GET', `/api/workflow/tasks/${r.taskId}/pathology/cells?x0=${bounds.x}&y0=${bounds.y}&x1=${bounds.x + bounds.width}&y1=${bounds.y + bounds.height}`)).cells as { classKey: string; x: number; y: number }[]).filter((c) => c.classKey === 'mitotic_figure')),
    );
    expect(points.map((p) => p.length)).toEqual([3, 3]);
    const expected = handF1(points[0]!, points[1]!, 4 / 0.25);
    expect(expected).toBeCloseTo(1 / 3, 9);
    const page = leadPage;
    await page.goto(`${server.url}/#/projects/${projectId}/quality`);
    const pair = page.locator('[data-testid=pathology-pair][data-class=mitotic_figure]');
    await pair.waitFor();
    expect(Number(await pair.getAttribute('data-f1'))).toBeCloseTo(expected, 9);
    expect(await pair.locator('[data-testid=pathology-f1]').textContent()).toBe(expected.toFixed(3));
    await page.screenshot({ path: screenshotPath('pathology-agreement') });
  }, 300_000);

  it("splits the expert's boundary band into the fields computed here and refuses the signature until all are seen", async () => {
    const page = await (await newContext(browser)).newPage();
    await page.setViewportSize({ width: 1600, height: 1000 });
    const expertPassword = server.passwords.get('demo.expert')!;
    await signIn(page, server.url, 'demo.expert', expertPassword);
    const item = (await page.evaluate(async (u) => (await fetch(u)).json(), `/api/items/${regionItemId}`)) as { annotations: { id: string; taskId: string }[] };
    const annotation = item.annotations.find((a) => a.taskId === readers[0]!.taskId)!;
    const answer = await page.evaluate(async (u) => {
      const res = await fetch(u);
      return { status: res.status, bytes: Array.from(new Uint8Array(await res.arrayBuffer())) };
    }, `/api/annotations/${annotation.id}/revisions/1/tiles`);
    expect(answer.status, new TextDecoder().decode(Uint8Array.from(answer.bytes)).slice(0, 300)).toBe(200);
    const tiles = decodeTileSet(Uint8Array.from(answer.bytes));
    if (!tiles.ok) throw new Error('the stored tiles do not decode');
    const mask = new Uint8Array(bounds.width * bounds.height);
    for (const tile of tiles.tiles) {
      const x0 = tile.position.tileColumn * 512, y0 = tile.position.tileRow * 512;
      const w = Math.min(512, bounds.width - x0), h = Math.min(512, bounds.height - y0);
      const decoded = decodeRle8(tile.runs, w * h);
      if (!decoded.ok) throw new Error('a stored tile does not decode');
      for (let y = 0; y < h; y++) mask.set(decoded.voxels.subarray(y * w, (y + 1) * w), (y0 + y) * bounds.width + x0);
    }
    // ±10 µm = 40 px around the boundary, fields of 50 µm = 200 px.
    const expected = handBandFields(mask, bounds.width, bounds.height, 40, 200);
    expect(expected).toBeGreaterThanOrEqual(2);
    await page.goto(`${server.url}/#/items/${regionItemId}?task=${readers[0]!.taskId}&annotation=${annotation.id}`);
    await waitOpen(page);
    await page.click('[data-testid=boundary-details] summary');
    await page.fill('[data-testid=boundary-band]', '10');
    await page.fill('[data-testid=boundary-field-size]', '50');
    await page.click('[data-testid=boundary-start]');
    await page.waitForSelector('[data-testid=boundary-fields]');
    const fields = page.locator('[data-testid=boundary-fields] > li');
    expect(await fields.count()).toBe(expected);
    await page.fill('[data-testid=boundary-password]', expertPassword);
    await page.click('[data-testid=boundary-sign]');
    expect(await page.textContent('[data-testid=boundary-problem]')).toBe(`${expected} of ${expected} fields of the boundary band have not been seen yet`);
    for (let i = 0; i < expected; i++) {
      await page.click(`[data-testid=boundary-field-${i}]`);
      await page.waitForSelector(`[data-testid=boundary-field-${i}]:not([data-state=unseen])`);
      if (i === 0) await page.click('[data-testid=boundary-accept-0]');
    }
    await page.waitForSelector('[data-testid=boundary-field-0][data-state=accepted]');
    await page.click('[data-testid=boundary-sign]');
    await page.waitForSelector('[data-testid=boundary-coverage]:has-text("signed")');
    expect(await page.textContent('[data-testid=boundary-coverage]')).toContain(`${expected} of ${expected} fields seen`);
    await page.screenshot({ path: screenshotPath('pathology-boundary') });
  }, 300_000);
});
