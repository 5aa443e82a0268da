import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { decodeRle8 } from '@delineate/core';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, repoRoot, screenshotPath, signIn, startDemoServer, waitForVolume, type RunningServer } from './harness';
import { fetchVolume, goToSlice, hooks, paintBlob, project } from './workspace-driver';

/**
 * End to end through the real CLI, server, store and Debian chromium: sign in with TOTP, open
 * the demo CT (a small phantom: 32 slices of 128×128), paint, interpolate, save, reload; a
 * save of the same annotation in a second tab makes the first tab's save show the conflict screen; a draft survives
 * closing the page.
 */
const run = browserAvailable() ? describe : describe.skip;

function serverMask(page: Page, annotationId: string, version: number, voxels: number): Promise<Uint8Array> {
  return fetchVolume(page, `/api/annotations/${annotationId}/revisions/${version}/mask`, voxels);
}

async function pageMask(page: Page, voxels: number): Promise<Uint8Array> {
  const decoded = decodeRle8(Uint8Array.from(await hooks(page, (d) => d.maskRle())), voxels);
  if (!decoded.ok) throw new Error('page mask does not decode');
  return decoded.voxels;
}

function sameVoxels(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

run('annotation workspace in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let annotator: BrowserContext;
  let page: Page;
  let itemUrl = '';
  let annotationId = '';
  const LESION = 2;
  let voxels = 0;
  /** Chromium reports what the server's Content-Security-Policy blocked on the console. */
  const policyViolations: string[] = [];

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startDemoServer({ slices: 32, size: 128 });
    ({ browser } = await launchBrowser());
    annotator = await newContext(browser);
    annotator.on('page', (opened) =>
      opened.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) policyViolations.push(message.text());
      }),
    );
    page = await annotator.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('signs in with TOTP enrolment and lists the assigned task', async () => {
    await signIn(page, server.url, 'demo.annotator', server.passwords.get('demo.annotator')!);
    await page.waitForSelector('[data-testid=task-list]');
    expect(await page.locator('[data-testid=open-task]').count()).toBe(1);
    await page.screenshot({ path: screenshotPath('01-my-work') });
  }, 60_000);

  it('opens the CT, paints a lesion on two slices, interpolates between them and saves', async () => {
    await page.click('[data-testid=open-task]');
    await waitForVolume(page);
    itemUrl = page.url();
    annotationId = await hooks(page, (d) => d.annotationId());
    const dims = await hooks(page, (d) => d.dims());
    voxels = dims.columns * dims.rows * dims.slices;
    await expect(page.locator('[data-testid=label-definition]').textContent()).resolves.toMatch(/gross tumour volume/);
    await page.keyboard.press('?');
    await expect(page.locator('[data-testid=help]').textContent()).resolves.toMatch(/interpolate/);
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=help]', { state: 'detached' });
    await page.click('[data-testid=label-liver_lesion]');
    await page.click('[data-testid=tool-brush]');
    await goToSlice(page, 12);
    await paintBlob(page, 70, 60, 4);
    await goToSlice(page, 18);
    await paintBlob(page, 74, 62, 6);
    expect(await hooks(page, (d, z) => d.labelsOnSlice(z as number, 2), 12)).toBeGreaterThan(20);
    expect(await hooks(page, (d, z) => d.labelsOnSlice(z as number, 2), 15)).toBe(0);
    await page.click('[data-testid=interpolate]');
    for (const z of [13, 14, 15, 16, 17]) expect(await hooks(page, (d, s) => d.labelsOnSlice(s as number, 2), z)).toBeGreaterThan(20);
    await page.click('[data-testid=save]');
    await page.waitForSelector('[data-testid=save-state]:has-text("version 1")');
    const stored = await serverMask(page, annotationId, 1, voxels);
    expect(sameVoxels(stored, await pageMask(page, voxels))).toBe(true);
    expect(stored.filter((v) => v === LESION).length).toBeGreaterThan(500);
    await page.screenshot({ path: screenshotPath('02-workspace-saved') });
  }, 90_000);

  it('reloads the page and gets the same voxels back', async () => {
    await page.reload();
    await waitForVolume(page);
    const stored = await serverMask(page, annotationId, 1, voxels);
    expect(sameVoxels(stored, await pageMask(page, voxels))).toBe(true);
    await expect(page.locator('[data-testid=save-state]').textContent()).resolves.toMatch(/version 1/);
    // An earlier revision opens read-only: the tools are off until going back.
    await page.click('[data-testid=open-revision-1]');
    await page.waitForSelector('[data-testid=save-state]:has-text("Read-only")');
    expect(await page.isDisabled('[data-testid=tool-brush]')).toBe(true);
    await page.click('[data-testid=back-to-mine]');
    await page.waitForSelector('[data-testid=save-state]:has-text("version 1")');
    expect(await page.isDisabled('[data-testid=tool-brush]')).toBe(false);
  }, 60_000);

  it("shows the conflict screen when the same annotation was saved elsewhere first, and redoes the edits on the newer version", async () => {
    // The task's annotation is written only by its assignee, so the other writer is the same
    // annotator in a second tab (same session), which is where conflicts happen in practice.
    const otherPage = await annotator.newPage();
    await otherPage.goto(itemUrl);
    await waitForVolume(otherPage);
    await otherPage.click('[data-testid=tool-brush]');
    await goToSlice(otherPage, 8);
    await paintBlob(otherPage, 40, 40, 3);
    await otherPage.click('[data-testid=save]');
    await otherPage.waitForSelector('[data-testid=save-state]:has-text("version 2")');
    await otherPage.close();

    await goToSlice(page, 24);
    await paintBlob(page, 90, 90, 3);
    await page.click('[data-testid=save]');
    await page.waitForSelector('[data-testid=conflict]');
    await page.screenshot({ path: screenshotPath('03-conflict') });
    // Nothing was overwritten: the head is still the other reader's version 2.
    const head = await page.evaluate(async (id) => (await (await fetch(`/api/annotations/${id}`)).json()) as { headVersion: number }, annotationId);
    expect(head.headVersion).toBe(2);
    await page.click('[data-testid=conflict-redo]');
    await page.waitForSelector('[data-testid=save-state]:has-text("Unsaved")');
    expect(await hooks(page, (d, z) => d.labelsOnSlice(z as number, 2), 8)).toBeGreaterThan(0); // theirs
    expect(await hooks(page, (d, z) => d.labelsOnSlice(z as number, 2), 24)).toBeGreaterThan(0); // mine
    await page.click('[data-testid=save]');
    await page.waitForSelector('[data-testid=save-state]:has-text("version 3")');
    const stored = await serverMask(page, annotationId, 3, voxels);
    expect(sameVoxels(stored, await pageMask(page, voxels))).toBe(true);
  }, 120_000);

  it('keeps an unsent draft when the page is closed and offers it back', async () => {
    await goToSlice(page, 28);
    await paintBlob(page, 30, 90, 3);
    await page.waitForSelector('[data-testid=save-state]:has-text("draft kept")');
    const painted = await pageMask(page, voxels);
    await page.close({ runBeforeUnload: false });
    page = await annotator.newPage();
    await page.goto(itemUrl.replace(/\?.*$/, '') + `?annotation=${annotationId}`);
    await page.waitForSelector('[data-testid=draft-offer]');
    await page.screenshot({ path: screenshotPath('04-draft-offer') });
    await page.click('[data-testid=restore-draft]');
    await waitForVolume(page);
    expect(sameVoxels(await pageMask(page, voxels), painted)).toBe(true);
    await expect(page.locator('[data-testid=save-state]').textContent()).resolves.toMatch(/Unsaved/);
    await page.screenshot({ path: screenshotPath('05-draft-restored') });
    mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
    copyFileSync(screenshotPath('05-draft-restored'), join(repoRoot, 'test-artifacts', 'web-workspace.png'));
  }, 90_000);

  it('shows orientation letters and the value under the pointer on every view; a focused slider leaves the arrows to the slices', async () => {
    // The demo CT is axial (rows to the patient's left, columns posterior): radiological convention.
    const edges = async (o: string) => Promise.all(['left', 'right', 'top', 'bottom'].map((e) => page.textContent(`[data-testid=edge-${o}-${e}]`)));
    expect(await edges('axial')).toEqual(['R', 'L', 'A', 'P']);
    expect(await edges('coronal')).toEqual(['R', 'L', 'S', 'I']);
    expect(await edges('sagittal')).toEqual(['A', 'P', 'S', 'I']);
    for (const o of ['axial', 'coronal', 'sagittal']) {
      const box = (await page.locator(`[data-testid=view-${o}] canvas`).boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await expect(page.locator(`[data-testid=readout-${o}]`).textContent()).resolves.toMatch(/^\d+, \d+, \d+ · -?\d+ HU$/);
    }
    const slider = page.locator('[data-testid=brush-size]');
    const before = await slider.inputValue();
    const z = (await hooks(page, (d) => d.cursor()))[2];
    await slider.focus();
    await page.keyboard.press('ArrowUp');
    await page.waitForFunction((target) => (window as unknown as { __delineate: { cursor(): number[] } }).__delineate.cursor()[2] === target, z + 1);
    expect(await slider.inputValue()).toBe(before);
    await page.screenshot({ path: screenshotPath('06-orientation-and-value') });
  }, 60_000);

  it('fills only the clicked region within the intensity range, never the air around the body', async () => {
    await page.click('[data-testid=label-liver_lesion]');
    await page.click('[data-testid=tool-fill]');
    const z = 22;
    await goToSlice(page, z);
    // Typing in the range fields keeps the keys from the shortcuts, so the slice is chosen first.
    await page.fill('[data-testid=range-lower]', '20');
    await page.fill('[data-testid=range-upper]', '120');
    const { columns, rows } = await hooks(page, (d) => d.dims());
    const plane = columns * rows;
    const itemId = /items\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    const hu = Int16Array.from(await page.evaluate(async (url) => Array.from(new Int16Array(await (await fetch(url)).arrayBuffer())), `/api/items/${itemId}/volume?first=${z}&count=1`));
    const before = (await pageMask(page, voxels)).slice(z * plane, (z + 1) * plane);
    // Air first: outside the range, nothing is filled and the page says why.
    const corner = await project(page, 2, 2);
    await page.mouse.click(corner.x, corner.y);
    await page.waitForSelector('[data-testid=notice]:has-text("outside the intensity range")');
    expect(await hooks(page, (d, s) => d.labelsOnSlice(s as number, 2), z)).toBe(before.filter((v) => v === LESION).length);
    // The liver (about 60 HU) at the left of the image: filled up to where the values leave the range.
    const seed = [43, 63] as const;
    expect(hu[seed[0] + columns * seed[1]]).toBeGreaterThanOrEqual(20);
    const inLiver = await project(page, seed[0], seed[1]);
    await page.mouse.click(inLiver.x, inLiver.y);
    await page.waitForFunction(([s, n]) => (window as unknown as { __delineate: { labelsOnSlice(z: number, v: number): number } }).__delineate.labelsOnSlice(s!, 2) > n!, [z, before.filter((v) => v === LESION).length]);
    const after = (await pageMask(page, voxels)).slice(z * plane, (z + 1) * plane);
    let filled = 0;
    for (let i = 0; i < plane; i++) {
      if (after[i] !== LESION || before[i] === LESION) continue;
      filled++;
      expect(hu[i]).toBeGreaterThanOrEqual(20);
      expect(hu[i]).toBeLessThanOrEqual(120);
    }
    expect(filled).toBeGreaterThan(100);
    expect(after[0]).toBe(0);
    expect(filled).toBeLessThan(hu.filter((v) => v >= 20 && v <= 120).length);
    await page.screenshot({ path: screenshotPath('07-fill-bounded') });
  }, 60_000);

  it('measures a painted sphere within 2 % of its volume, and rulers and ellipse ROIs in mm and HU', async () => {
    await page.click('[data-testid=label-liver]');
    await page.click('[data-testid=tool-brush]');
    // The brush is labelled by its diameter: 80 mm paints a sphere of radius 40 mm.
    await page.locator('[data-testid=brush-size]').evaluate((input: HTMLInputElement) => {
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, '80');
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForSelector('text=Brush diameter 80 mm');
    await page.check('[data-testid=brush-sphere]');
    await goToSlice(page, 12);
    const centre = await project(page, 64, 64);
    await page.mouse.click(centre.x, centre.y);
    const known = ((4 / 3) * Math.PI * 40 ** 3) / 1000;
    const volume = page.locator('[data-testid=volume-liver]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=volume-liver]')?.getAttribute('data-ml')) > 0);
    const ml = Number(await volume.getAttribute('data-ml'));
    expect(Math.abs(ml - known) / known).toBeLessThan(0.02);
    await expect(volume.textContent()).resolves.toMatch(/mL · [\d,]+ voxels/);
    await page.uncheck('[data-testid=brush-sphere]');

    await page.click('[data-testid=tool-ruler]');
    const a = await project(page, 20, 100);
    const b = await project(page, 60, 100);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move(b.x, b.y, { steps: 4 });
    await page.mouse.up();
    const spacing = (await hooks(page, (d) => d.dims())) as unknown as { spacing?: number[] };
    const mm = 40 * (spacing.spacing?.[0] ?? 400 / 128);
    await expect(page.locator('[data-testid=measurements] li[data-kind=ruler]').textContent()).resolves.toContain(`${mm.toFixed(1)} mm`);
    await page.click('[data-testid=tool-ellipse]');
    const c = await project(page, 36, 56);
    const d = await project(page, 52, 70);
    await page.mouse.move(c.x, c.y);
    await page.mouse.down();
    await page.mouse.move(d.x, d.y, { steps: 4 });
    await page.mouse.up();
    await expect(page.locator('[data-testid=measurements] li[data-kind=ellipse]').textContent()).resolves.toMatch(/mean -?\d+\.\d ± \d+\.\d HU \(SD\) · \d+ mm²/);
    await page.check('[data-testid=label-outline]');
    await page.screenshot({ path: screenshotPath('08-measurements-and-outlines') });
  }, 60_000);

  it('ran every step under the server\'s Content-Security-Policy without a violation', async () => {
    const res = await annotator.request.get(server.url);
    expect(res.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(policyViolations).toEqual([]);
  });
});
