import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { requireTestData } from '@delineate/testkit';
import { apiUser } from './api-user';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, screenshotPath, signIn, startDemoServer, type RunningServer } from './harness';

/**
 * The data steward's pages end to end in chromium, through the real CLI, server, worker (OCR and
 * dciodvfy in the gate) and store: the shared ultrasound with a burned-in patient banner is
 * ingested and held; the steward finds it in the queue, sees the detected text regions, draws a
 * rectangle over the banner (and removes a stray one), runs the gate again until it passes, and
 * releases the file, which becomes an item of the project.
 */
const run = browserAvailable() ? describe : describe.skip;

/** The ingest route's batch format: each file as a 4-byte big-endian length and its bytes. */
function fileBatch(files: readonly Uint8Array[]): Uint8Array {
  const parts = files.flatMap((f) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(f.length);
    return [length, Buffer.from(f)];
  });
  return new Uint8Array(Buffer.concat(parts));
}

run('the data steward in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let projectId = '';
  let admin: Awaited<ReturnType<typeof apiUser>>;

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startDemoServer({ slices: 8, size: 32 });
    ({ browser } = await launchBrowser());
    page = await (await newContext(browser)).newPage();
    admin = await apiUser(server.url, 'demo.projectadmin', server.passwords.get('demo.projectadmin')!);
    projectId = (await admin.ok('GET', '/api/projects')).projects[0].id;
    // The demo project is CT; its administrator lets ultrasound in, then ingests the file.
    await admin.ok('PUT', `/api/projects/${projectId}/accepted-modalities`, { modalities: ['US'] });
    const ultrasound = new Uint8Array(readFileSync(requireTestData('dicom/deid-data/GREYSCALE_IMAGE.dcm')));
    const report = await admin.ok('POST', `/api/projects/${projectId}/ingest`, fileBatch([ultrasound]));
    expect(report).toMatchObject({ quarantined: 1, passed: 0 });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('redacts the banner of a held ultrasound, runs the gate until it passes and releases it as an item', async () => {
    await signIn(page, server.url, 'demo.steward', server.passwords.get('demo.steward')!);
    await page.click('[data-testid=nav-quarantine]');
    await page.waitForSelector('[data-testid=quarantine-row]');
    await expect(page.textContent('[data-testid=quarantine-counts]')).resolves.toContain('1 file held in 3 projects where you are the data steward'); // the CT, pathology and cardiac cine demos
    const reason = (await page.textContent('[data-testid=quarantine-reason]'))!;
    expect(reason).toContain('Text burned into the image');
    expect(reason).not.toMatch(/DLN_|burned-in-text/);
    await page.screenshot({ path: screenshotPath('steward-queue'), fullPage: true });

    await page.click('[data-testid=open-held-file]');
    await page.waitForSelector('[data-testid=quarantine-record][data-status=held]');
    await expect(page.textContent('[data-testid=held-file-kind]')).resolves.toBe('Ultrasound, 1024 × 768, 1 frame');
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid=held-image]');
      return img?.complete && img.naturalWidth === 1024;
    });
    expect(await page.locator('[data-testid=detected-region]').count()).toBeGreaterThan(0);
    // No header attribute value reaches the page: only the pixels can show the banner.
    const text = (await page.textContent('body'))!;
    expect(text).not.toMatch(/\^|Patient|Institution/);

    // A stray rectangle drawn and removed, then the banner: the top rows across the image. The
    // mouse reaches only what is on screen, and clicks scroll the page: each drag brings the image
    // to the middle of the window and measures it again. Points are in image pixels.
    const drag = async (from: { x: number; y: number }, to: { x: number; y: number }) => {
      const overlay = page.locator('[data-testid=redaction-overlay]');
      await overlay.evaluate((el) => el.scrollIntoView({ block: 'center' }));
      const box = (await overlay.boundingBox())!;
      const at = (p: { x: number; y: number }) => ({ x: box.x + (p.x / 1024) * box.width, y: box.y + (p.y / 768) * box.height });
      const [a, b] = [at(from), at(to)];
      await page.mouse.move(a.x, a.y);
      await page.mouse.down();
      await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 4 });
      await page.mouse.move(b.x, b.y, { steps: 4 });
      await page.mouse.up();
    };
    await drag({ x: 400, y: 300 }, { x: 500, y: 400 });
    await expect(page.locator('[data-testid=rectangle-item]').count()).resolves.toBe(1);
    await page.click('[data-testid=remove-rectangle]');
    await page.waitForSelector('[data-testid=no-rectangles]');
    // From the banner's lower right corner (a drag starts on the image) to beyond its top left: the rectangle stops at the image's edge.
    await drag({ x: 1023.6, y: 24.6 }, { x: -10, y: -10 });
    await expect(page.textContent('[data-testid=rectangle-item]')).resolves.toMatch(/^102[34] × 25 pixels at 0, 0, on every frame/);
    await page.screenshot({ path: screenshotPath('steward-redaction'), fullPage: true });

    await page.click('[data-testid=run-gate]');
    await page.waitForSelector('[data-testid=gate-result]');
    await page.waitForSelector('[data-testid=gate-result][data-state=passes]', { timeout: 240_000 });
    await page.screenshot({ path: screenshotPath('steward-gate-passes'), fullPage: true });

    await page.fill('#release-note', 'Patient banner blanked across the top of the image');
    await page.click('[data-testid=release]');
    await page.waitForSelector('[data-testid=released-item]', { timeout: 240_000 });
    await expect(page.getAttribute('[data-testid=quarantine-record]', 'data-status')).resolves.toBe('released');
    await expect(page.textContent('[data-testid=decision]')).resolves.toContain('Patient banner blanked');
    // The project's queue on the same page follows: nothing is held any more.
    await page.waitForSelector('[data-testid=quarantine-empty]');
    await page.screenshot({ path: screenshotPath('steward-released'), fullPage: true });

    // The released file is an ultrasound item of the project, and nothing is held any more.
    const href = (await page.getAttribute('[data-testid=released-item]', 'href'))!;
    const itemId = /items\/([0-9a-f-]{36})/.exec(href)![1]!;
    const item = await admin.ok('GET', `/api/items/${itemId}`);
    expect(item.grid).toMatchObject({ columns: 1024, rows: 768, slices: 1 });
    await page.click('[data-testid=nav-quarantine]');
    await page.waitForSelector('[data-testid=quarantine-empty]');
  }, 600_000);
});
