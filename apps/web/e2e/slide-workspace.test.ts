import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { decodeRle8, decodeTileSet } from '@delineate/core';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, signIn, startDemoServer, type RunningServer } from './harness';
import { getJson } from './workspace-driver';

/**
 * The slide workspace in Chromium against the real server (issue 16, item 3): the minimal demo's
 * synthetic H&E slide opens in OpenSeadragon, zooms to 40×, two tissue classes are painted with
 * the rectangle tool across tile borders and partly erased with the eraser, saved tile-wise, and
 * the stored tiles decode to exactly the pixels the test computes from its own stroke geometry; a
 * second tab's save makes the first tab's next save a conflict, shown as the conflict screen.
 */
const run = browserAvailable() ? describe : describe.skip;

interface SlideHooks {
  ready(): boolean;
  annotationId(): string;
  baseVersion(): number;
  slide(): { width: number; height: number; mpp: number | null; region: { x: number; y: number } } | null;
  magnification(): number | null;
  labelToPage(x: number, y: number): { x: number; y: number };
  pageToLabel(x: number, y: number): [number, number];
  labelAt(x: number, y: number): number;
  heldTiles(): number[];
  labelsInViewLoaded(): boolean;
  fullyLoaded(): boolean;
  settled(): boolean;
}

const slideHooks = <T,>(page: Page, fn: (d: SlideHooks, arg: unknown) => T, arg?: unknown): Promise<T> =>
  page.evaluate(([source, a]) => {
    const f = new Function('d', 'arg', `return (${source})(d, arg);`) as (d: unknown, arg: unknown) => T;
    return f((window as unknown as { __delineate: unknown }).__delineate, a);
  }, [fn.toString(), arg] as const);

const TILE = 512;
/** The area the test paints in, around the middle of the 2,048² slide (mask tiles meet at 1,024). */
const BOX = { x: 676, y: 676, size: 700 };

/** Opens the slide and waits until its view and the labels in it are in. */
async function openSlide(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => {
    const d = (window as unknown as { __delineate?: SlideHooks }).__delineate;
    return d?.ready() && typeof d.fullyLoaded === 'function' && d.fullyLoaded() && d.labelsInViewLoaded();
  }, undefined, { timeout: 60_000 });
}

async function zoomTo40(page: Page): Promise<void> {
  await page.click('[data-testid=magnification-40]');
  await page.waitForFunction(() => {
    const d = (window as unknown as { __delineate: SlideHooks }).__delineate;
    return d.settled() && d.labelsInViewLoaded();
  });
}

/** Integer page pixels near a label pixel, and the label point a pointer event there reads as. */
async function pointAt(page: Page, x: number, y: number): Promise<{ page: { x: number; y: number }; label: [number, number] }> {
  const p = await slideHooks(page, (d, a) => d.labelToPage((a as number[])[0]!, (a as number[])[1]!), [x, y]);
  const at = { x: Math.round(p.x), y: Math.round(p.y) };
  return { page: at, label: await slideHooks(page, (d, a) => d.pageToLabel((a as number[])[0]!, (a as number[])[1]!), [at.x, at.y]) };
}

/** Drags the rectangle tool between two label pixels; returns the corners as the page read them. */
async function dragRectangle(page: Page, from: [number, number], to: [number, number]): Promise<[[number, number], [number, number]]> {
  const a = await pointAt(page, ...from);
  const b = await pointAt(page, ...to);
  await page.mouse.move(a.page.x, a.page.y);
  await page.mouse.down();
  await page.mouse.move(b.page.x, b.page.y, { steps: 4 });
  await page.mouse.up();
  return [a.label, b.label];
}

/** The test's own rasterisation of the strokes over BOX: pixel centres inside each shape. */
class ExpectedPixels {
  readonly values = new Uint8Array(BOX.size * BOX.size);
  rectangle(a: [number, number], b: [number, number], value: number): void {
    const [x0, x1] = [Math.min(a[0], b[0]), Math.max(a[0], b[0])];
    const [y0, y1] = [Math.min(a[1], b[1]), Math.max(a[1], b[1])];
    this.each((cx, cy) => cx >= x0 && cx < x1 && cy >= y0 && cy < y1, value);
  }
  disc(c: [number, number], radius: number, value: number): void {
    this.each((cx, cy) => (cx - c[0]) ** 2 + (cy - c[1]) ** 2 <= radius * radius, value);
  }
  each(inside: (cx: number, cy: number) => boolean, value: number): void {
    for (let y = 0; y < BOX.size; y++) for (let x = 0; x < BOX.size; x++) if (inside(BOX.x + x + 0.5, BOX.y + y + 0.5)) this.values[y * BOX.size + x] = value;
  }
}

run('slide workspace in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let slideUrl = '';
  const expected = new ExpectedPixels();
  let annotationId = '';

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startDemoServer({ slices: 8, size: 64 });
    ({ browser } = await launchBrowser());
    context = await newContext(browser);
    page = await context.newPage();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('opens the demo slide, zooms to 40×, paints two classes across tile borders and erases part', async () => {
    await signIn(page, server.url, 'demo.annotator', server.passwords.get('demo.annotator')!);
    const projects = await getJson<{ projects: { id: string; name: string }[] }>(page, '/api/projects');
    const pathology = projects.body.projects.find((p) => p.name.startsWith('H&E pathology demo'));
    expect(pathology).toBeDefined();
    const items = await getJson<{ items: { id: string; kind: string }[] }>(page, `/api/projects/${pathology!.id}/items/names`);
    const slideItem = items.body.items.find((i) => i.kind === 'slide_region');
    expect(slideItem).toBeDefined();
    await openSlide(page, `${server.url}/#/items/${slideItem!.id}`);
    slideUrl = page.url();
    annotationId = await slideHooks(page, (d) => d.annotationId());
    const slide = (await slideHooks(page, (d) => d.slide()))!;
    expect(slide).toMatchObject({ width: 2048, height: 2048, mpp: 0.25 });
    expect(await page.textContent('[data-testid=scale-bar]')).toMatch(/\d+ (µm|mm)/);

    await zoomTo40(page);
    expect(await page.textContent('[data-testid=magnification]')).toBe('40×');
    expect(await slideHooks(page, (d) => d.magnification())).toBeCloseTo(40, 1);
    expect(await page.textContent('[data-testid=scale-bar]')).toMatch(/^\d+ µm$/);

    // Tumour across the vertical tile border at x = 1,024; stroma across both borders.
    await page.click('[data-testid=label-tumour]');
    await page.click('[data-testid=slide-tool-rectangle]');
    const tumour = await dragRectangle(page, [926, 856], [1126, 966]);
    expected.rectangle(...tumour, 1);
    await page.click('[data-testid=label-stroma]');
    const stroma = await dragRectangle(page, [966, 986], [1096, 1176]);
    expected.rectangle(...stroma, 2);
    // One eraser dab over both, at the default 50 µm diameter: a 100-pixel radius at 0.25 µm per pixel.
    await page.click('[data-testid=slide-tool-eraser]');
    const dab = await pointAt(page, 1036, 976);
    await page.mouse.move(dab.page.x, dab.page.y);
    await page.mouse.down();
    await page.mouse.up();
    expected.disc(dab.label, 50 / 2 / slide.mpp!, 0);

    // The page holds the painted tiles only: those around the crossing of the borders.
    expect(await slideHooks(page, (d) => d.heldTiles())).toEqual([1 * 4 + 1, 1 * 4 + 2, 2 * 4 + 1, 2 * 4 + 2]);
    await expect(page.locator('[data-testid=save-state]').textContent()).resolves.toMatch(/Unsaved|Draft/);
    await page.click('[data-testid=save]');
    await page.waitForSelector('[data-testid=save-state]:has-text("version 1")');
  }, 240_000);

  it('stores tiles that decode to the painted pixels, and shows them again after a reload', async () => {
    const bytes = await page.evaluate(async (u) => Array.from(new Uint8Array(await (await fetch(u)).arrayBuffer())), `/api/annotations/${annotationId}/revisions/1/tiles`);
    const set = decodeTileSet(Uint8Array.from(bytes));
    if (!set.ok) throw new Error('the stored tiles do not decode');
    expect(set.tiles.map((t) => t.position.tileRow * 4 + t.position.tileColumn).sort((a, b) => a - b)).toEqual([5, 6, 9, 10]);
    const stored = new Uint8Array(BOX.size * BOX.size);
    for (const tile of set.tiles) {
      const decoded = decodeRle8(tile.runs, TILE * TILE);
      if (!decoded.ok) throw new Error('a stored tile does not decode');
      const x0 = tile.position.tileColumn * TILE;
      const y0 = tile.position.tileRow * TILE;
      for (let y = 0; y < TILE; y++)
        for (let x = 0; x < TILE; x++) {
          const bx = x0 + x - BOX.x;
          const by = y0 + y - BOX.y;
          const v = decoded.voxels[y * TILE + x]!;
          if (bx >= 0 && by >= 0 && bx < BOX.size && by < BOX.size) stored[by * BOX.size + bx] = v;
          else expect(v).toBe(0);
        }
    }
    let differing = 0;
    for (let i = 0; i < stored.length; i++) if (stored[i] !== expected.values[i]) differing++;
    expect(differing).toBe(0);
    // Both classes and the erased hole are there.
    const counts = [0, 1, 2].map((v) => expected.values.filter((x) => x === v).length);
    expect(counts[1]).toBeGreaterThan(5_000);
    expect(counts[2]).toBeGreaterThan(5_000);
    expect(stored[(976 - BOX.y) * BOX.size + (1036 - BOX.x)]).toBe(0);

    await page.reload();
    await openSlide(page, slideUrl);
    await zoomTo40(page);
    for (const [x, y] of [[936, 861], [1116, 961], [976, 1166], [1086, 1171], [1036, 976]] as const) {
      expect(await slideHooks(page, (d, a) => d.labelAt((a as number[])[0]!, (a as number[])[1]!), [x, y])).toBe(expected.values[(y - BOX.y) * BOX.size + (x - BOX.x)]);
    }
  }, 120_000);

  it("shows the conflict screen when a second tab's stroke was saved first", async () => {
    const second = await context.newPage();
    await openSlide(second, slideUrl);
    await zoomTo40(second);
    await second.click('[data-testid=label-necrosis]');
    await second.click('[data-testid=slide-tool-rectangle]');
    await dragRectangle(second, [776, 776], [876, 826]);
    await second.click('[data-testid=save]');
    await second.waitForSelector('[data-testid=save-state]:has-text("version 2")');

    await page.click('[data-testid=label-normal_epithelium]');
    await page.click('[data-testid=slide-tool-rectangle]');
    await dragRectangle(page, [1176, 1226], [1276, 1276]);
    await page.click('[data-testid=save]');
    await page.waitForSelector('[data-testid=conflict]');
    expect(await page.textContent('[data-testid=conflict]')).toMatch(/Version 2/);
    // Redoing my stroke on version 2 keeps both: the other tab's and mine.
    await page.click('[data-testid=conflict-redo]');
    await page.waitForFunction(() => (window as unknown as { __delineate: SlideHooks }).__delineate.baseVersion() === 2);
    await page.waitForFunction(() => (window as unknown as { __delineate: SlideHooks }).__delineate.labelsInViewLoaded());
    expect(await slideHooks(page, (d) => [d.labelAt(826, 796), d.labelAt(1226, 1246)])).toEqual([3, 4]);
    await page.click('[data-testid=save]');
    await page.waitForSelector('[data-testid=save-state]:has-text("version 3")');
  }, 120_000);
});
