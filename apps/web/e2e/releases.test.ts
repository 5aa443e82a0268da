import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { encodeRle8 } from '@delineate/core';
import { decodeNifti } from '@delineate/formats';
import { liverCtReviewProtocol } from '@delineate/schema';
import { apiUser } from './api-user';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, screenshotPath, signIn, startDemoServer, type RunningServer } from './harness';

/**
 * The releases page end to end in chromium, through the real CLI, server, worker and store: the
 * demo item is annotated and accepted through the HTTP API; the project administrator previews a
 * release on the page, builds it, freezes it, exports it as NIfTI (the worker runs the job) and
 * downloads the archive, whose label map holds exactly the accepted mask. An auditor reads
 * releases and is refused building one.
 */
const run = browserAvailable() ? describe : describe.skip;

run('releases page in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let projectId = '';
  let liverVoxels = 0;

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startDemoServer({ slices: 16, size: 64 });
    ({ browser } = await launchBrowser());
    page = await (await newContext(browser)).newPage();
    // The demo's one task: a liver box drawn, submitted and accepted with a signed review.
    const annotator = await apiUser(server.url, 'demo.annotator', server.passwords.get('demo.annotator')!);
    const reviewerPassword = server.passwords.get('demo.reviewer')!;
    const reviewer = await apiUser(server.url, 'demo.reviewer', reviewerPassword);
    const mine = await annotator.ok('GET', '/api/tasks/mine');
    const task = mine.tasks.find((t: { kind: string }) => t.kind === 'annotate');
    projectId = task.projectId;
    const item = await annotator.ok('GET', `/api/items/${task.itemId}`);
    const [nx, ny, nz] = [item.grid.columns, item.grid.rows, item.grid.slices];
    const volume = new Uint8Array(nx * ny * nz);
    for (let z = 4; z < 10; z++) for (let y = 20; y < 40; y++) for (let x = 16; x < 44; x++) volume[x + nx * (y + ny * z)] = 1;
    liverVoxels = 6 * 20 * 28;
    const annotation = await annotator.ok('POST', `/api/items/${task.itemId}/annotations`, { labelSchema: { id: item.labelSchema.id, version: item.labelSchema.version }, taskId: task.id });
    await annotator.ok('POST', `/api/annotations/${annotation.id}/revisions?source=human`, encodeRle8(volume), { 'if-match': '"0"', 'idempotency-key': crypto.randomUUID() });
    const submitted = await annotator.ok('POST', `/api/workflow/tasks/${task.id}/submit`, { annotationId: annotation.id });
    const answers = liverCtReviewProtocol.checklist.filter((c) => c.labelKey === 'liver').map((c) => ({ itemKey: c.key, passed: true }));
    await reviewer.ok('POST', `/api/workflow/tasks/${submitted.created[0].id}/review`, { decision: 'accept', answers, signature: { password: reviewerPassword } });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('builds, freezes, exports and downloads a NIfTI release from the page', async () => {
    await signIn(page, server.url, 'demo.projectadmin', server.passwords.get('demo.projectadmin')!);
    await page.goto(`${server.url}/#/projects/${projectId}/settings`);
    await page.click('[data-testid=open-releases]');
    await page.waitForSelector('[data-testid=releases-page]');
    await page.fill('[data-testid=release-name]', 'First release');
    await page.selectOption('[data-testid=default-split]', 'test');
    await page.click('[data-testid=release-preview]');
    await page.waitForSelector('[data-testid=release-preview-result]');
    expect(await page.locator('[data-testid=preview-item]').count()).toBe(1);
    await expect(page.textContent('[data-testid=release-preview-result]')).resolves.toContain('1 item(s) would be released');
    await page.click('[data-testid=release-build-submit]');
    await page.waitForSelector('[data-testid=release-freeze]');
    await page.click('[data-testid=release-freeze]');
    await page.waitForSelector('[data-testid=manifest-hash]');
    const manifestHash = (await page.textContent('[data-testid=manifest-hash]'))!.trim();
    expect(manifestHash).toMatch(/^[0-9a-f]{64}$/);
    await page.click('[data-testid=export-nifti]');
    await page.waitForSelector('[data-testid=export-download]', { timeout: 60_000 });
    await expect(page.textContent('[data-testid=export-status]')).resolves.toBe('ready');
    await page.click('[data-testid=release-verify]');
    await expect(page.waitForSelector('[data-testid=verify-result]').then((e) => e.textContent())).resolves.toMatch(/^Verified/);
    // The documents generated at freeze: the HTML in a sandboxed frame, the PDF for download.
    await page.click('[data-testid=document-view-annotation_protocol]');
    const frameElement = await page.waitForSelector('[data-testid=document-frame]');
    expect(await frameElement.getAttribute('sandbox')).toBe('');
    const frame = (await frameElement.contentFrame())!;
    await expect(frame.waitForSelector('h1').then((e) => e.textContent())).resolves.toBe('Annotation protocol');
    const pdfHref = (await page.getAttribute('[data-testid=document-download-qa_results-pdf]', 'href'))!;
    const pdfHead = await page.evaluate(async (url) => String.fromCharCode(...new Uint8Array(await (await fetch(url)).arrayBuffer()).subarray(0, 5)), pdfHref);
    expect(pdfHead).toBe('%PDF-');

    // The training layout is one choice on the page (issue 25); its export row names it in words.
    await page.selectOption('[data-testid=training-layout]', 'msd');
    await page.click('[data-testid=export-layout]');
    const layoutRow = page.locator('[data-testid=export-row]').nth(1);
    await layoutRow.locator('[data-testid=export-download]').waitFor({ timeout: 60_000 });
    await expect(layoutRow.textContent()).resolves.toContain('Medical Segmentation Decathlon / MONAI');
    await page.screenshot({ path: screenshotPath('releases'), fullPage: true });

    // The download link serves the archive: its label map holds exactly the accepted mask.
    const href = (await page.getAttribute('[data-testid=export-download]', 'href'))!;
    const base64 = await page.evaluate(async (url) => {
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      let text = '';
      for (const b of bytes) text += String.fromCharCode(b);
      return btoa(text);
    }, href);
    const dir = await mkdtemp(join(tmpdir(), 'dln-release-e2e-'));
    try {
      await writeFile(join(dir, 'release.tar'), Buffer.from(base64, 'base64'));
      execFileSync('tar', ['-xf', join(dir, 'release.tar'), '-C', dir]);
      const dataset = JSON.parse(await readFile(join(dir, 'dataset.json'), 'utf8'));
      expect(dataset.manifestHash).toBe(manifestHash);
      const [itemId] = dataset.splits.test as string[];
      const label = decodeNifti(await readFile(join(dir, 'test', itemId!, 'label.nii.gz')));
      expect(label.datatype).toBe('uint8');
      expect([...label.data].filter((v) => v === 1).length).toBe(liverVoxels);
      expect([...label.data].filter((v) => v !== 0 && v !== 1).length).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('shows an auditor the releases read-only, and the server refuses them building one', async () => {
    const auditor = await apiUser(server.url, 'demo.auditor', server.passwords.get('demo.auditor')!);
    const list = await auditor.ok('GET', `/api/projects/${projectId}/releases`);
    expect(list.releases).toHaveLength(1);
    expect((await auditor.raw('POST', `/api/projects/${projectId}/releases`, { name: 'not mine', defaultSplit: 'train' })).status).toBe(403);
    // In the browser (auditors have no second factor to pass): no build form, no freeze or export, but verify.
    const auditorPage = await (await newContext(browser)).newPage();
    await auditorPage.goto(server.url);
    await auditorPage.fill('#username', 'demo.auditor');
    await auditorPage.fill('#password', server.passwords.get('demo.auditor')!);
    await auditorPage.click('[data-testid=sign-in]');
    await auditorPage.waitForSelector('[data-testid=signed-in-as]');
    await auditorPage.goto(`${server.url}/#/projects/${projectId}/releases`);
    await auditorPage.waitForSelector('[data-testid=read-only]');
    await auditorPage.click('[data-testid=release-row]');
    await auditorPage.waitForSelector('[data-testid=release-verify]');
    for (const id of ['release-build', 'release-freeze', 'export-nifti', 'training-layout', 'export-download']) expect(await auditorPage.locator(`[data-testid=${id}]`).count(), id).toBe(0);
    await auditorPage.click('[data-testid=release-verify]');
    await expect(auditorPage.waitForSelector('[data-testid=verify-result]').then((e) => e.textContent())).resolves.toMatch(/^Verified/);
  }, 60_000);
});
