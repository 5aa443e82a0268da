import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { apiUser } from './api-user';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, screenshotPath, signIn, startDemoServer, type RunningServer } from './harness';

/**
 * The platform administrator's page in chromium over the real CLI, server and store: creates an
 * account, gives it a role in the demo project (the new user then holds it), resets its second
 * factor through the audited path with the administrator's password again (the user is told at
 * the next sign-in and must enrol anew), and creates a project in the installation's region.
 */
const run = browserAvailable() ? describe : describe.skip;

const newUser = { username: 'dr.okafor', displayName: 'Dr Ada Okafor', password: 'violet-harbour-cinnamon-42' };

run('platform administrator page in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let projectId = '';

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startDemoServer({ slices: 8, size: 32 });
    ({ browser } = await launchBrowser());
    page = await (await newContext(browser)).newPage();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('creates a user and gives them a role in a project', async () => {
    await signIn(page, server.url, 'demo.admin', server.passwords.get('demo.admin')!);
    await page.click('[data-testid=nav-admin]');
    await page.waitForSelector('[data-testid=user-list]');
    await page.fill('[data-testid=new-username]', newUser.username);
    await page.fill('[data-testid=new-display-name]', newUser.displayName);
    await page.fill('[data-testid=new-password]', newUser.password);
    await page.click('[data-testid=create-user]');
    await page.waitForSelector(`[data-testid=user-row][data-username="${newUser.username}"]`);
    expect(await page.textContent('[data-testid=user-created]')).toContain(newUser.username);

    await page.click('[data-testid=tab-projects]');
    await page.waitForSelector('[data-testid=membership-row]');
    projectId = await page.inputValue('[data-testid=membership-project]');
    await page.selectOption('[data-testid=grant-user]', { label: `${newUser.displayName} (${newUser.username})` });
    await page.selectOption('[data-testid=grant-role]', { label: 'annotator' });
    await page.click('[data-testid=grant-membership]');
    await page.waitForSelector(`[data-testid=membership-row]:has-text("${newUser.displayName}")`);
    expect(await page.textContent(`[data-testid=membership-row]:has-text("${newUser.displayName}")`)).toContain('annotator');
    await page.screenshot({ path: screenshotPath('platform-admin-role-granted'), fullPage: true });

    // The new account holds the role: it signs in (enrolling a second factor, as annotators must) and sees it.
    const user = await apiUser(server.url, newUser.username, newUser.password);
    const session = await user.ok('GET', '/api/auth/session');
    expect(session.roles).toContainEqual({ projectId, role: 'annotator', viaBreakGlass: false });
  }, 180_000);

  it('resets the user’s second factor after entering the administrator’s password again', async () => {
    await page.click('[data-testid=tab-users]');
    const row = page.locator(`[data-testid=user-row][data-username="${newUser.username}"]`);
    await row.locator('[data-testid=reset-factor]').click();
    await page.fill('[data-testid=reauth-password]', 'not my password at all');
    await page.click('[data-testid=confirm-reset]');
    await page.waitForSelector('[data-testid=reset-form] [data-testid=error]');
    expect(await page.textContent('[data-testid=reset-form] [data-testid=error]')).toContain('The password is wrong.');
    await page.fill('[data-testid=reauth-password]', server.passwords.get('demo.admin')!);
    await page.click('[data-testid=confirm-reset]');
    await page.waitForSelector('[data-testid=reset-done]');
    await page.screenshot({ path: screenshotPath('platform-admin-factor-reset'), fullPage: true });

    const relogin = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: newUser.username, password: newUser.password }) });
    const answer = await relogin.json();
    expect(answer.mfa).toBe('enrolment_required');
    expect(answer.notices.map((n: { kind: string }) => n.kind)).toContain('mfa_reset');

    // The reset is in the audit log, as the administrator's own session reads it.
    const events = await (await page.request.get(`${server.url}/api/audit/events?action=user.mfa.reset&outcome=success`)).json();
    expect(events.events).toHaveLength(1);
    expect(events.events[0]).toMatchObject({ objectId: answer.userId, actorUsername: 'demo.admin' });
  }, 120_000);

  it('disables the account (it can no longer sign in) and enables it again, and records a qualification', async () => {
    const login = () => fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: newUser.username, password: newUser.password }) });
    const row = page.locator(`[data-testid=user-row][data-username="${newUser.username}"]`);
    await row.locator('[data-testid=disable-user]').click();
    await page.waitForSelector(`[data-testid=user-row][data-username="${newUser.username}"]:has-text("Disabled")`);
    expect((await login()).status).toBe(401);
    await row.locator('[data-testid=enable-user]').click();
    await page.waitForSelector(`[data-testid=user-row][data-username="${newUser.username}"]:has-text("Active")`);
    expect((await login()).status).toBe(200);

    await row.locator('[data-testid=open-qualifications]').click();
    await page.selectOption('[data-testid=qualification-kind]', { label: 'Radiographer' });
    await page.click('[data-testid=grant-qualification]');
    await page.waitForSelector('[data-testid=qualification]:has-text("Radiographer, any modality")');
  }, 60_000);

  it('creates a project in the installation’s region and shows the regions', async () => {
    await page.click('[data-testid=tab-projects]');
    await page.fill('[data-testid=project-name]', 'Kidney tumour study');
    await page.fill('[data-testid=project-purpose]', 'Kidney tumour segmentation for a detection model');
    await page.click('[data-testid=create-project]');
    await page.waitForSelector('[data-testid=project-created]');
    await page.click('[data-testid=tab-regions]');
    await page.waitForSelector('[data-testid=region-row]:has-text("Kidney tumour study")');
    expect(await page.textContent('[data-testid=storage-region]')).toContain('This machine (local)');
    await page.screenshot({ path: screenshotPath('platform-admin-regions'), fullPage: true });
  }, 60_000);
});
