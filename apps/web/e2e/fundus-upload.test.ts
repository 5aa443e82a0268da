import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { encodeRgbPng, generateSyntheticFundus } from '@delineate/formats';
import { AccessRepository, openDatabase } from '@delineate/store';
import { seedFundus } from './fundus-seed';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, screenshotPath, signIn, startDemoServer, type RunningServer } from './harness';

/**
 * Fundus upload in the browser (issue 20): the project administrator drops a PNG photograph into
 * a fundus project; before an eye is chosen the page refuses in words, after choosing the left
 * eye the file goes through the gate, wrapped as an Ophthalmic Photography instance, and becomes
 * a photo item recorded as the left eye (OS).
 */
const run = browserAvailable() ? describe : describe.skip;

run('fundus upload in the browser', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let projectId = '';
  let seededItem = '';

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startDemoServer({
      slices: 4,
      size: 32,
      async beforeStart(dataDir) {
        const seeded = await seedFundus(dataDir);
        projectId = seeded.projectId;
        seededItem = seeded.itemId;
        const database = await openDatabase({ dataDir });
        try {
          const access = new AccessRepository(database.db);
          const admin = await access.findUserByUsername('demo.projectadmin');
          if (!admin) throw new Error('the demo project administrator is missing');
          await access.addMembership({ userId: admin.id, projectId, role: 'project_admin', grantedBy: null, now: new Date() });
        } finally {
          await database.close();
        }
      },
    });
    ({ browser } = await launchBrowser());
    page = await (await newContext(browser)).newPage();
    dir = await mkdtemp(join(tmpdir(), 'dln-fundus-upload-e2e-'));
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses a photograph without an eye in words, then uploads it as the left eye and the item records OS', { timeout: 600_000 }, async () => {
    const path = join(dir, 'fundus-left.png');
    writeFileSync(path, encodeRgbPng(generateSyntheticFundus({ width: 200, height: 160, laterality: 'OS' }).pixels));
    await signIn(page, server.url, 'demo.projectadmin', server.passwords.get('demo.projectadmin')!);
    await page.goto(`${server.url}/#/projects/${projectId}/upload`);
    await page.waitForSelector('[data-testid=upload-drop]');

    await page.setInputFiles('[data-testid=upload-files]', path);
    const refusal = await page.waitForSelector('[data-testid=upload-laterality-refusal]');
    expect(await refusal.textContent()).toBe('Choose the eye (right or left) of the photographs before uploading them.');
    expect(await page.locator('[data-testid=upload-file]').count()).toBe(0);

    await page.selectOption('[data-testid=upload-laterality]', 'OS');
    expect(await page.locator('[data-testid=upload-laterality] option:checked').textContent()).toBe('Left eye (OS)');
    await page.setInputFiles('[data-testid=upload-files]', path);
    await page.waitForSelector('[data-testid=upload-counts][data-finished=true]', { timeout: 480_000 });
    await page.screenshot({ path: screenshotPath('fundus-upload') });
    const row = page.locator('[data-testid=upload-file]', { hasText: 'fundus-left.png' });
    expect(await row.getAttribute('data-state')).toBe('passed');
    expect(await page.locator('[data-testid=upload-laterality-refusal]').count()).toBe(0);

    // The new photo item, found and read through the API the pages use, is the left eye.
    const found = await page.evaluate(async ({ project, seeded }) => {
      const { items } = (await (await fetch(`/api/projects/${project}/items/names`)).json()) as { items: Array<{ id: string; kind: string }> };
      const added = items.filter((i) => i.id !== seeded);
      const photo = added[0] ? await (await fetch(`/api/items/${added[0].id}/photo`)).json() : null;
      return { added: added.map((i) => i.kind), photo };
    }, { project: projectId, seeded: seededItem });
    expect(found.added).toEqual(['photo']);
    expect(found.photo).toMatchObject({ laterality: 'OS', width: 200, height: 160 });
  });
});
