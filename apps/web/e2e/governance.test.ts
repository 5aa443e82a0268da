import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, screenshotPath, signIn, startDemoServer, waitForVolume, type RunningServer } from './harness';

/**
 * Agreements enforced, in chromium over the real CLI, server and store (issue 24): the demo's
 * annotator works for an annotation service under a data use agreement. The test server's clock
 * (DELINEATE_TEST_CLOCK, honoured only by a test server) is moved: first within 60 days of the
 * expiry (the administrator is warned), then past it (the annotator is refused, the reason shown
 * in words); the administrator records a renewal on the organisations page and access returns.
 */
const run = browserAvailable() ? describe : describe.skip;

const day = 86_400_000;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

run('agreements enforced in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let admin: Page;
  let annotator: Page;
  let workLink = '';
  let expiresAt = 0;
  // The service's agreement for the CT project (the demo has a pathology project with its own).
  const project = 'Liver CT demo (synthetic phantom)';
  const serviceRow = `[data-testid=agreement-row][data-organisation="Demo Annotation Services"][data-project="${project}"]`;

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startDemoServer({
      slices: 8,
      size: 32,
      // The clock moves by months: sessions must outlive it (the code of a second factor would not, at a moved time).
      env: { DELINEATE_TEST_CLOCK: '1', NODE_ENV: 'test', DELINEATE_SESSION_IDLE_MINUTES: '1051200', DELINEATE_SESSION_ABSOLUTE_HOURS: '17520' },
    });
    ({ browser } = await launchBrowser());
    admin = await (await newContext(browser)).newPage();
    annotator = await (await newContext(browser)).newPage();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const moveClock = async (serverTime: number) => {
    const res = await admin.request.put(`${server.url}/api/test/clock`, { data: { offsetMs: serverTime - Date.now() } });
    expect(res.status()).toBe(200);
    return Date.parse(((await res.json()) as { now: string }).now);
  };

  it('warns the administrator within 60 days of the expiry', async () => {
    await signIn(annotator, server.url, 'demo.annotator', server.passwords.get('demo.annotator')!);
    await annotator.waitForSelector('[data-testid=task-list]');
    await annotator.click('[data-testid=open-task]');
    await waitForVolume(annotator);
    workLink = annotator.url();

    await signIn(admin, server.url, 'demo.admin', server.passwords.get('demo.admin')!);
    await admin.click('[data-testid=nav-organisations]');
    const row = admin.locator(serviceRow);
    await row.waitFor();
    expect(await row.textContent()).toContain('Data use agreement');
    expect(await row.locator('[data-testid=agreement-status]').textContent()).toBe('In force');
    const listed = (await (await admin.request.get(`${server.url}/api/agreements`)).json()) as { agreements: { organisationName: string; projectName: string; expiresAt: string }[] };
    expiresAt = Date.parse(listed.agreements.find((a) => a.organisationName === 'Demo Annotation Services' && a.projectName === project)!.expiresAt);

    await moveClock(expiresAt - 30 * day);
    await admin.reload();
    await admin.waitForSelector('[data-testid=expiring-agreement]');
    expect(await admin.textContent('[data-testid=expiring-agreements]')).toContain('Data use agreement with Demo Annotation Services for');
    await admin.screenshot({ path: screenshotPath('governance-expiring'), fullPage: true });
  }, 300_000);

  it('refuses the service’s annotator once the agreement has expired, saying why', async () => {
    await moveClock(expiresAt + 60_000);
    await annotator.goto(workLink);
    await annotator.reload();
    const error = annotator.locator('[data-testid=error]').first();
    await error.waitFor();
    expect(await error.textContent()).toContain('Your organisation’s data use agreement for this project has expired, so its access has ended');
    await annotator.screenshot({ path: screenshotPath('governance-refused'), fullPage: true });
    // Audited as a denial.
    const events = (await (await admin.request.get(`${server.url}/api/audit/events?outcome=denied&actor=demo.annotator`)).json()) as { events: { action: string }[] };
    expect(events.events.length).toBeGreaterThan(0);
  }, 120_000);

  it('lets the annotator back once the administrator records a renewal', async () => {
    await admin.reload();
    const row = admin.locator(serviceRow);
    await row.waitFor();
    expect(await row.locator('[data-testid=agreement-status]').textContent()).toBe('Expired');
    const now = await moveClock(expiresAt + 60_000);
    await row.locator('[data-testid=renew-signed]').fill(dateOf(now));
    await row.locator('[data-testid=renew-expires]').fill(dateOf(now + 365 * day));
    await row.locator('[data-testid=renew-agreement]').click();
    await admin.waitForSelector(`${serviceRow}[data-status=in_force]`);
    expect(await admin.textContent(`${serviceRow}[data-status=expired]`)).toContain('Expired, renewed');
    await admin.screenshot({ path: screenshotPath('governance-renewed'), fullPage: true });

    await annotator.goto(workLink);
    await annotator.reload();
    await waitForVolume(annotator);
    expect(await annotator.locator('[data-testid=error]').count()).toBe(0);
  }, 120_000);
});
