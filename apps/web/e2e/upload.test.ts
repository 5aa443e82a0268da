import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { generateCtPhantom } from '@delineate/formats';
import { demoProjectSettings } from '@delineate/schema';
import { openDatabase, ProjectRepository } from '@delineate/store';
import { requireTestData } from '@delineate/testkit';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, screenshotPath, signIn, startDemoServer, type RunningServer } from './harness';

/**
 * Upload in the browser end to end, through the real CLI, server, worker (the gate in its own
 * thread, OCR included) and store. The project administrator uploads a folder of shared DICOM
 * files with the burned-in ultrasound and a slide among them, watches the progress and sees the
 * gate's counts with reasons in words (the slide passes the slide gate and becomes a whole-slide
 * item); the data steward finds the quarantined file in the queue.
 * Then a larger file's upload is cut after its first chunk, the page reloaded, the same file
 * chosen again: it resumes from the server's offset and every slice passes the gate, as in an
 * uninterrupted upload; the same file sent again is a duplicate, stored once.
 */
const run = browserAvailable() ? describe : describe.skip;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

run('upload in the browser', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let projectId = '';

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startDemoServer({
      slices: 8,
      size: 64,
      // The ultrasound is the file with burned-in text: the CT project accepts ultrasound too.
      async beforeStart(dataDir) {
        const database = await openDatabase({ dataDir });
        try {
          const projects = new ProjectRepository(database.db);
          const project = (await projects.findByName(demoProjectSettings.name))!;
          projectId = project.id;
          await projects.setAcceptedModalities(project.id, ['CT', 'US']);
        } finally {
          await database.close();
        }
      },
    });
    ({ browser } = await launchBrowser());
    page = await (await newContext(browser)).newPage();
    dir = await mkdtemp(join(tmpdir(), 'dln-upload-e2e-'));
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const counts = async () =>
    Object.fromEntries(
      await Promise.all(['passed', 'quarantined', 'rejected', 'duplicates'].map(async (k) => [k, Number(/\d+/.exec((await page.textContent(`[data-testid=count-${k}]`)) ?? '')?.[0])])),
    ) as { passed: number; quarantined: number; rejected: number; duplicates: number };

  it('uploads a folder, shows progress and the gate’s counts with reasons, and the steward finds the quarantined file', { timeout: 600_000 }, async () => {
    const folder = join(dir, 'handover');
    for (const [sub, source] of [
      ['ct', 'dicom/pydicom/CT_small.dcm'],
      ['ct', 'dicom/highdicom/ct_image.dcm'],
      ['ct', 'dicom/deid-data/ctbrain1.dcm'],
      ['us', 'dicom/deid-data/GREYSCALE_IMAGE.dcm'],
      ['slides', 'wsi/small.svs'],
    ] as const) {
      mkdirSync(join(folder, sub), { recursive: true });
      copyFileSync(requireTestData(source), join(folder, sub, source.split('/').pop()!));
    }
    await signIn(page, server.url, 'demo.projectadmin', server.passwords.get('demo.projectadmin')!);
    await page.goto(`${server.url}/#/projects`);
    await page.click(`[data-project-id="${projectId}"] [data-testid=open-upload]`);
    await page.waitForSelector('[data-testid=upload-drop]');
    await page.setInputFiles('[data-testid=upload-folder]', folder);

    await page.waitForSelector('[data-testid=upload-file]', { timeout: 60_000 });
    expect(await page.locator('[data-testid=upload-file]').count()).toBe(5);
    await page.waitForSelector('[data-testid=upload-counts][data-finished=true]', { timeout: 480_000 });
    await page.screenshot({ path: screenshotPath('upload-folder') });
    const c = await counts();
    expect(c.passed + c.quarantined + c.rejected + c.duplicates).toBe(5);
    expect(c.passed).toBeGreaterThanOrEqual(2);
    expect(c.quarantined).toBeGreaterThanOrEqual(1);
    const ultrasound = page.locator('[data-testid=upload-file]', { hasText: 'GREYSCALE_IMAGE.dcm' });
    expect(await ultrasound.getAttribute('data-state')).toBe('quarantined');
    expect(await ultrasound.textContent()).toContain('text was found burned into the image');
    expect(await ultrasound.textContent()).toContain('DLN_DEID_QUARANTINED');
    // The slide went through the slide gate like `delineate ingest` sends it, and says what it became.
    const slide = page.locator('[data-testid=upload-file]', { hasText: 'small.svs' });
    expect(await slide.getAttribute('data-state')).toBe('passed');
    expect(await slide.textContent()).toContain('kept as a whole-slide image');
    // Nothing was refused up front: every file of the folder reached the gate.
    expect(await page.locator('[data-testid=upload-file][data-state=refused]').count()).toBe(0);
    // The overall bar is full; every uploaded file's bar too.
    expect(await page.getAttribute('progress[aria-label="All files"]', 'value')).toBe(await page.getAttribute('progress[aria-label="All files"]', 'max'));
    expect(await page.getAttribute('[data-testid=quarantine-link]', 'href')).toBe(`#/projects/${projectId}/quarantine`);

    // The data steward finds it in the quarantine queue (the API behind the steward's page).
    const steward = await (await newContext(browser)).newPage();
    await signIn(steward, server.url, 'demo.steward', server.passwords.get('demo.steward')!);
    const queue = await steward.evaluate(async (id) => (await fetch(`/api/projects/${id}/quarantine`)).json(), projectId);
    const greyscale = sha256(readFileSync(requireTestData('dicom/deid-data/GREYSCALE_IMAGE.dcm')));
    expect((queue as Array<{ sourceHash: string }>).map((q) => q.sourceHash)).toContain(greyscale);
    await steward.close();
  });

  it('resumes an upload cut halfway from the server’s offset and ends with the same item', { timeout: 600_000 }, async () => {
    // 20 slices of 512² in a stored zip: 10.5 MB, two chunks of 8 MiB.
    const slices = generateCtPhantom({ slices: 20, rows: 512, columns: 512, seed: 77 }).slices.map((s) => s.bytes);
    const archive = zipSync(Object.fromEntries(slices.map((bytes, i) => [`phantom/IM${String(i).padStart(4, '0')}.dcm`, bytes])), { level: 0 });
    const path = join(dir, 'phantom.zip');
    writeFileSync(path, archive);

    await page.goto(`${server.url}/#/projects/${projectId}/upload`);
    await page.reload();
    await page.waitForSelector('[data-testid=upload-drop]');
    // The network drops after the first chunk: the second never reaches the server.
    await page.route(/\/api\/upload-files\/[^/?]+\?offset=[1-9]/, (route) => route.abort('connectionreset'));
    await page.setInputFiles('[data-testid=upload-files]', path);
    await page.waitForSelector('[data-testid=upload-progress][data-phase=failed]', { timeout: 300_000 });
    await page.unroute(/\/api\/upload-files\/[^/?]+\?offset=[1-9]/);

    await page.reload();
    await page.waitForSelector('[data-testid=upload-interrupted]', { timeout: 60_000 });
    await page.setInputFiles('[data-testid=upload-files]', path);
    await page.waitForSelector('[data-testid=upload-counts][data-finished=true]', { timeout: 480_000 });
    const row = page.locator('[data-testid=upload-file]');
    expect(Number(await row.getAttribute('data-resumed-from'))).toBe(8 * 1024 * 1024);
    expect(await row.getAttribute('data-state')).toBe('passed');
    expect(await counts()).toEqual({ passed: 20, quarantined: 0, rejected: 0, duplicates: 0 });
    await page.screenshot({ path: screenshotPath('upload-resumed') });

    // Stored once: the same file chosen again is a duplicate, and the gate is not run again.
    await page.setInputFiles('[data-testid=upload-files]', path);
    await page.waitForSelector('[data-testid=upload-file][data-state=duplicate]', { timeout: 300_000 });
    await page.waitForSelector('[data-testid=upload-counts][data-finished=true]', { timeout: 60_000 });
    expect(await counts()).toEqual({ passed: 0, quarantined: 0, rejected: 0, duplicates: 1 });
  });
});
