import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { apiUser } from './api-user';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, screenshotPath, startDemoServer, type RunningServer } from './harness';

/**
 * The auditor's pages in chromium over the real CLI, server and store: the annotator reads the
 * demo project and is refused its audit log; the auditor filters the log to those refusals, opens
 * one, verifies the chain, exports the filtered range as FHIR and DICOM and reads the access review.
 */
const run = browserAvailable() ? describe : describe.skip;

run('auditor pages in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let projectId = '';

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startDemoServer({ slices: 8, size: 32 });
    ({ browser } = await launchBrowser());
    page = await (await newContext(browser)).newPage();
    const annotator = await apiUser(server.url, 'demo.annotator', server.passwords.get('demo.annotator')!);
    projectId = (await annotator.ok('GET', '/api/projects')).projects[0].id;
    await annotator.ok('GET', `/api/projects/${projectId}`);
    for (let i = 0; i < 3; i++) expect((await annotator.raw('GET', `/api/projects/${projectId}/audit?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z`)).status).toBe(403);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('filters the log, opens an event, verifies the chain and exports the filtered range', async () => {
    // Auditors have no second factor to pass.
    await page.goto(server.url);
    await page.fill('#username', 'demo.auditor');
    await page.fill('#password', server.passwords.get('demo.auditor')!);
    await page.click('[data-testid=sign-in]');
    await page.waitForSelector('[data-testid=signed-in-as]');
    await page.click('[data-testid=nav-audit]');
    await page.waitForSelector('[data-testid=audit-row]');

    await page.fill('[data-testid=filter-actor]', 'demo.annotator');
    await page.selectOption('[data-testid=filter-outcome]', { label: 'Refused' });
    await page.selectOption('[data-testid=filter-action]', { label: 'Read a project’s audit log' });
    await page.click('[data-testid=apply-filters]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=audit-row]').length === 3);
    const rows = await page.locator('[data-testid=audit-row]').allTextContents();
    for (const row of rows) {
      expect(row).toContain('Demo Annotator (demo.annotator)');
      expect(row).toContain('Read a project’s audit log');
      expect(row).toContain('Refused');
      expect(row).not.toContain('audit.read');
    }
    await page.screenshot({ path: screenshotPath('auditor-filtered-log'), fullPage: true });

    await page.locator('[data-testid=open-event]').first().click();
    await page.waitForSelector('[data-testid=event-hash]');
    expect(await page.textContent('[data-testid=event-action]')).toBe('Read a project’s audit log');
    expect(await page.textContent('[data-testid=event-hash]')).toMatch(/^[0-9a-f]{64}$/);

    await page.click('[data-testid=verify-chain]');
    await page.waitForSelector('[data-testid=verification-result]');
    const verification = (await page.textContent('[data-testid=verification-result]'))!;
    expect(verification).toMatch(/^Intact: all [\d,]+ events re-hashed/);
    expect(await page.textContent('[data-testid=last-checkpoint]')).toMatch(/Last checkpoint: event [\d,]+, signed|No checkpoint signed yet/);
    await page.screenshot({ path: screenshotPath('auditor-event-and-verification'), fullPage: true });

    const [fhirDownload] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-fhir]')]);
    const bundle = JSON.parse(await readFile((await fhirDownload.path())!, 'utf8'));
    expect(fhirDownload.suggestedFilename()).toMatch(/\.fhir\.json$/);
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.entry).toHaveLength(3);
    expect(bundle.entry.every((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'AuditEvent')).toBe(true);
    const [dicomDownload] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-dicom]')]);
    const xml = await readFile((await dicomDownload.path())!, 'utf8');
    expect(xml.match(/<AuditMessage>/g)).toHaveLength(3);
  }, 180_000);

  it('reads the access review without the controls to change it', async () => {
    await page.click('[data-testid=open-access-review]');
    await page.waitForSelector('[data-testid=review-grant]');
    expect(await page.locator('[data-testid=read-only]').count()).toBe(1);
    expect(await page.locator('[data-testid=sign-off]').count()).toBe(0);
    const grants = await page.locator('[data-testid=review-grant]').allTextContents();
    expect(grants.some((g) => g.includes('Demo Annotator') && g.includes('annotator'))).toBe(true);
    expect(grants.join(' ')).not.toMatch(/clinician_annotator|data_steward|project_admin/);
    expect(new URL(page.url()).hash).toBe(`#/projects/${projectId}/access-review`);
    await page.screenshot({ path: screenshotPath('auditor-access-review'), fullPage: true });
  }, 60_000);
});
