import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, signIn, startDemoServer, totp, waitForVolume, type RunningServer } from './harness';
import { hooks } from './workspace-driver';

/**
 * The app's addresses in the browser (issue 22): back and forward between the work list, an item
 * and the project pages; a deep link to an item with its task and annotation opens that work, also
 * through sign-in; unknown and malformed addresses say so in words.
 */
const run = browserAvailable() ? describe : describe.skip;

const hashOf = (page: Page) => new URL(page.url()).hash;

/**
 * Waits until the page shows the linked annotation. After signing in, the opened work is fetched
 * again under the session (the volume stays) and may be fetched more than once, so the hooks are
 * not read between two fetches; the wait fails the test if the annotation never shows.
 */
async function waitForLinkedAnnotation(page: Page, annotationId: string): Promise<void> {
  await page.waitForFunction(
    (expected) => {
      const d = (window as unknown as { __delineate: { ready(): boolean; annotationId(): string | undefined } }).__delineate;
      return d.ready() && d.annotationId() === expected;
    },
    annotationId,
    { timeout: 30_000 },
  );
}

run('addresses, back and forward in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let secret = '';
  let deepLink = '';
  let annotationId = '';

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startDemoServer({ slices: 16, size: 64 });
    ({ browser } = await launchBrowser());
    context = await newContext(browser);
    page = await context.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('goes back and forward between the work list, an item and the project pages', async () => {
    secret = await signIn(page, server.url, 'demo.annotator', server.passwords.get('demo.annotator')!);
    await page.waitForSelector('[data-testid=task-list]');
    const taskId = (await page.getAttribute('[data-testid=task-row]', 'data-task'))!;
    await page.click('[data-testid=open-task]');
    await waitForVolume(page);
    // The workspace writes the annotation it created into the address, without opening the item again.
    annotationId = await hooks(page, (d) => d.annotationId());
    await page.waitForFunction((id) => window.location.hash.includes(`annotation=${id}`), annotationId);
    expect(hashOf(page)).toMatch(new RegExp(`^#/items/[0-9a-f-]{36}\\?task=${taskId}&annotation=${annotationId}$`));
    deepLink = page.url();

    await page.click('[data-testid=nav-projects]');
    await page.waitForSelector('[data-testid=project-list]');
    await page.click('[data-testid=open-settings]');
    await page.waitForSelector('[data-testid=config-form]');
    expect(hashOf(page)).toMatch(/^#\/projects\/[0-9a-f-]{36}\/settings$/);

    await page.goBack();
    await page.waitForSelector('[data-testid=project-list]');
    expect(hashOf(page)).toBe('#/projects');
    await page.goBack();
    await waitForVolume(page);
    expect(page.url()).toBe(deepLink);
    await waitForLinkedAnnotation(page, annotationId);
    await page.goBack();
    await page.waitForSelector('[data-testid=task-list]');
    // Where sign-in started: the bare address of the server.
    expect(['', '#/']).toContain(hashOf(page));
    await page.goForward();
    await waitForVolume(page);
    expect(page.url()).toBe(deepLink);
    await page.goForward();
    await page.waitForSelector('[data-testid=project-list]');
    await page.goForward();
    await page.waitForSelector('[data-testid=config-form]');
  }, 120_000);

  it('opens a deep link to an item with its task and annotation, also after signing in', async () => {
    const other = await context.newPage();
    await other.goto(deepLink);
    await waitForVolume(other);
    expect(await hooks(other, (d) => d.annotationId())).toBe(annotationId);
    await other.close();

    // Signed out, the same link shows the sign-in form in its place and then the work.
    await page.click('[data-testid=sign-out]');
    await page.waitForSelector('#username');
    await page.goto(deepLink);
    await page.fill('#username', 'demo.annotator');
    await page.fill('#password', server.passwords.get('demo.annotator')!);
    await page.click('[data-testid=sign-in]');
    await page.waitForSelector('#code');
    // The next time step: the step used at enrolment is not accepted twice.
    await page.fill('#code', totp(secret, Date.now() + 30_000));
    await page.click('[data-testid=verify]');
    await waitForVolume(page);
    expect(page.url()).toBe(deepLink);
    await waitForLinkedAnnotation(page, annotationId);
  }, 120_000);

  it('says in words when an address leads nowhere or a link is malformed', async () => {
    await page.goto(`${server.url}/#/nowhere`);
    await expect(page.textContent('[data-testid=not-found]')).resolves.toContain('Page not found');
    await page.waitForSelector('[data-testid=signed-in-as]');
    await page.goto(`${server.url}/#/items/not-an-item`);
    await page.waitForSelector('[data-testid=not-found]');
    await page.goto(deepLink.replace(/task=[0-9a-f-]+/, 'task=12'));
    await expect(page.textContent('[data-testid=route-error]')).resolves.toContain('its task is not an identifier');
    expect(await page.textContent('[data-testid=route-error] code')).toBe('DLN_WEB_LINK_INVALID');
    // The frame stays: the way back is one click.
    await page.click('[data-testid=nav-my-work]');
    await page.waitForSelector('[data-testid=task-list]');
  }, 60_000);
});
