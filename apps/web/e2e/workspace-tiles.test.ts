import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, signIn, startDemoServer, waitForVolume, type RunningServer } from './harness';
import { fetchVolume, goToSlice, hooks, paintBlob, project } from './workspace-driver';

/**
 * The workspace shell's tiled saving and loading against the real server (issue 12's web part):
 * an edit on one slice sends that slice's tile only; the labels load back from tiles on reopening;
 * the region growing tool paints from a click; the help lists the shortcut registry.
 */
const run = browserAvailable() ? describe : describe.skip;

interface TileHooks {
  changedTiles(): number[];
  lastSave(): { mode: 'tiles' | 'whole'; tiles: number; bytes: number; attempts: number } | null;
}
const tileHooks = <T>(page: Page, fn: (d: TileHooks) => T): Promise<T> => hooks(page, fn as never) as Promise<T>;

run('workspace shell: tiled saves and loads in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startDemoServer({ slices: 32, size: 128 });
    ({ browser } = await launchBrowser());
    page = await (await newContext(browser)).newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('sends only the tiles of the edited slices and loads the labels back from tiles', async () => {
    await signIn(page, server.url, 'demo.annotator', server.passwords.get('demo.annotator')!);
    await page.click('[data-testid=open-task]');
    await waitForVolume(page);
    const annotationId = await hooks(page, (d) => d.annotationId());
    const dims = await hooks(page, (d) => d.dims());
    const voxels = dims.columns * dims.rows * dims.slices;
    await page.click('[data-testid=label-liver_lesion]');
    await page.click('[data-testid=tool-brush]');
    await goToSlice(page, 10);
    await paintBlob(page, 60, 60, 4);
    // 128² slices: one tile per slice, so the changed tile's ordinal is the slice.
    expect(await tileHooks(page, (d) => d.changedTiles())).toEqual([10]);
    await page.click('[data-testid=save]');
    await page.waitForSelector('[data-testid=save-state]:has-text("version 1")');
    expect(await tileHooks(page, (d) => d.lastSave())).toMatchObject({ mode: 'tiles', tiles: 1, attempts: 1 });
    await goToSlice(page, 20);
    await paintBlob(page, 40, 40, 3);
    await goToSlice(page, 21);
    await paintBlob(page, 40, 40, 3);
    await page.click('[data-testid=save]');
    await page.waitForSelector('[data-testid=save-state]:has-text("version 2")');
    expect(await tileHooks(page, (d) => d.lastSave())).toMatchObject({ mode: 'tiles', tiles: 2 });
    expect(await tileHooks(page, (d) => d.changedTiles())).toEqual([]);

    // The stored whole mask is the page's: the server put the tile deltas together correctly.
    const stored = await fetchVolume(page, `/api/annotations/${annotationId}/revisions/2/mask`, voxels);
    const onPage = Uint8Array.from(await hooks(page, (d) => d.maskRle()));
    await page.reload();
    await waitForVolume(page);
    // Reloaded from tiles: the same voxels, slice by slice.
    for (const z of [10, 20, 21]) {
      const n = await hooks(page, (d, s) => d.labelsOnSlice(s as number, 2), z);
      expect(n).toBeGreaterThan(20);
      let expected = 0;
      for (let i = z * dims.columns * dims.rows; i < (z + 1) * dims.columns * dims.rows; i++) if (stored[i] === 2) expected++;
      expect(n).toBe(expected);
    }
    expect(Uint8Array.from(await hooks(page, (d) => d.maskRle()))).toEqual(onPage);
  }, 120_000);

  it('grows a region from a click with the region growing tool, and the help lists it', async () => {
    await page.click('[data-testid=label-liver]');
    await page.click('[data-testid=tool-region]');
    await goToSlice(page, 16);
    const before = await hooks(page, (d) => d.labelsOnSlice(16, 1));
    const at = await project(page, 64, 64);
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction(() => (window as unknown as { __delineate: { labelsOnSlice(z: number, v: number): number } }).__delineate.labelsOnSlice(16, 1) > 0);
    expect(await hooks(page, (d) => d.labelsOnSlice(16, 1))).toBeGreaterThan(before);
    await expect(page.locator('[data-testid=save-state]').textContent()).resolves.toMatch(/Unsaved/);
    await page.keyboard.press('Control+z');
    expect(await hooks(page, (d) => d.labelsOnSlice(16, 1))).toBe(before);
    await page.keyboard.press('?');
    await expect(page.locator('[data-testid=help]').textContent()).resolves.toMatch(/region growing.*next window preset/s);
  }, 60_000);
});
