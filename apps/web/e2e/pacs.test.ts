import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { generateCtPhantom } from '@delineate/formats';
import { orthancAvailable, startOrthanc, type OrthancServer } from '@delineate/testkit';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, screenshotPath, signIn, startDemoServer, type RunningServer } from './harness';

/**
 * The PACS page in chromium against a real Orthanc on loopback and `delineate start` (with its
 * ingest gate): the project administrator sets the connection, searches series by patient ID,
 * picks one and brings it in, and watches the retrieval finish with its gate counts in words.
 */
const run = browserAvailable() && orthancAvailable() ? describe : describe.skip;

run('PACS page in chromium', () => {
  let server: RunningServer;
  let orthanc: OrthancServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await ensureWebBuilt();
    [server, orthanc] = await Promise.all([startDemoServer({ slices: 8, size: 32 }), startOrthanc()]);
    const phantom = generateCtPhantom({ slices: 6, rows: 32, columns: 32, seed: 21, patientId: 'PACS-UI-21', patientName: 'Source^Page' });
    await orthanc.load(phantom.slices.map((s) => s.bytes));
    ({ browser } = await launchBrowser());
    page = await (await newContext(browser)).newPage();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await orthanc?.stop();
  });

  it('sets the connection, searches, retrieves a series through the gate and shows its progress', async () => {
    await signIn(page, server.url, 'demo.projectadmin', server.passwords.get('demo.projectadmin')!);
    const projectId = await page.evaluate(async () => ((await (await fetch('/api/projects')).json()) as { projects: Array<{ id: string }> }).projects[0]!.id);
    await page.goto(`${server.url}/#/projects/${projectId}/settings`);
    await page.click('[data-testid=open-pacs]');
    await page.waitForSelector('[data-testid=pacs-connection]');
    await expect(page.textContent('[data-testid=pacs-connection]')).resolves.toContain('No PACS is connected');

    // A wrong password is refused by Orthanc, in words.
    await page.fill('[data-testid=pacs-url]', orthanc.dicomWebUrl);
    await page.fill('[data-testid=pacs-username]', orthanc.username);
    await page.fill('[data-testid=pacs-password]', 'not-the-password');
    await page.click('[data-testid=pacs-save]');
    await page.waitForSelector('[data-testid=pacs-search]');
    await page.selectOption('[data-testid=pacs-search-level]', 'series');
    await page.fill('[data-testid=pacs-search-patientId]', 'PACS-UI-21');
    await page.click('[data-testid=pacs-search-run]');
    await expect(page.waitForSelector('[data-testid=error]').then((e) => e.textContent())).resolves.toContain('The PACS refused the user name or password');

    await page.fill('[data-testid=pacs-password]', orthanc.password);
    await page.click('[data-testid=pacs-save]');
    await page.waitForSelector('[data-testid=pacs-saved]');
    await page.click('[data-testid=pacs-search-run]');
    await page.waitForSelector('[data-testid=pacs-match]');
    expect(await page.locator('[data-testid=pacs-match]').count()).toBe(1);
    await expect(page.textContent('[data-testid=pacs-results]')).resolves.toContain('PACS-UI-21');
    await page.locator('[data-testid=pacs-match] input[type=checkbox]').check();
    await page.click('[data-testid=pacs-retrieve]');
    await page.waitForSelector('[data-testid=pacs-retrieval-status]:text("Finished")', { timeout: 120_000 });
    await expect(page.textContent('[data-testid=pacs-retrieval]')).resolves.toContain('6 images received; 6 passed, 0 quarantined, 0 rejected');
    await page.screenshot({ path: screenshotPath('pacs'), fullPage: true });
  }, 300_000);
});
