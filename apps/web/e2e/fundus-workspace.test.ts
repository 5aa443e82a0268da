import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { fundusMeasures, verticalCdr } from '@delineate/core';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, screenshotPath, signIn, startDemoServer, type RunningServer } from './harness';
import { seedFundus, type SeededFundus } from './fundus-seed';
import { fetchVolume, getJson } from './workspace-driver';

/**
 * The fundus workspace in Chromium against the real server (issue 20): the annotator opens a
 * synthetic fundus photograph, draws the disc and the cup with the ellipse tool, saves, and the
 * measures panel shows the REFUGE vCDR equal to the value computed here from the stored mask; a
 * cup drawn outside the disc is refused in words and nothing is saved.
 */
const run = browserAvailable() ? describe : describe.skip;

interface FundusHooks {
  ready(): boolean;
  photoReady(): boolean;
  photoToPage(x: number, y: number): { x: number; y: number };
  measures(): unknown;
  savedVersion(): number | null;
  annotationId(): string | null;
}

const hooks = <T,>(page: Page, fn: (d: FundusHooks, arg: unknown) => T, arg?: unknown): Promise<T> =>
  page.evaluate(([source, a]) => {
    const f = new Function('d', 'arg', `return (${source})(d, arg);`) as (d: unknown, arg: unknown) => T;
    return f((window as unknown as { __delineate: unknown }).__delineate, a);
  }, [fn.toString(), arg] as const);

/** Drags the active tool between two photo points. */
async function drag(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  const a = await hooks(page, (d, p) => d.photoToPage((p as number[])[0]!, (p as number[])[1]!), from);
  const b = await hooks(page, (d, p) => d.photoToPage((p as number[])[0]!, (p as number[])[1]!), to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 5 });
  await page.mouse.up();
}

run('fundus workspace in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let seeded: SeededFundus;

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startDemoServer({
      slices: 4,
      size: 32,
      async beforeStart(dataDir) {
        seeded = await seedFundus(dataDir);
      },
    });
    ({ browser } = await launchBrowser());
    page = await (await newContext(browser)).newPage();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('draws disc and cup on the photograph, saves, and shows the vCDR of the stored mask', async () => {
    await signIn(page, server.url, 'demo.annotator', server.passwords.get('demo.annotator')!);
    await page.goto(`${server.url}/#/items/${seeded.itemId}`);
    await page.waitForFunction(() => {
      const d = (window as unknown as { __delineate?: FundusHooks }).__delineate;
      return d?.ready?.() === true && d.photoReady?.() === true;
    }, undefined, { timeout: 60_000 });
    expect(await page.textContent('[data-testid=fundus-laterality]')).toBe('Right eye (OD)');
    await page.selectOption('[data-testid=fundus-view]', 'green');
    await page.selectOption('[data-testid=fundus-view]', 'contrast');
    await page.selectOption('[data-testid=fundus-view]', 'colour');

    const { disc, cup } = seeded.fundus;
    await page.click('[data-testid=fundus-tool-disc-ellipse]');
    await drag(page, [disc.centre[0] - disc.radii[0], disc.centre[1] - disc.radii[1]], [disc.centre[0] + disc.radii[0], disc.centre[1] + disc.radii[1]]);
    await page.click('[data-testid=fundus-tool-cup-ellipse]');
    await drag(page, [cup.centre[0] - cup.radii[0], cup.centre[1] - cup.radii[1]], [cup.centre[0] + cup.radii[0], cup.centre[1] + cup.radii[1]]);
    await page.click('[data-testid=fundus-save]');
    await page.waitForSelector('[data-testid=fundus-measures]', { timeout: 30_000 });
    await page.screenshot({ path: screenshotPath('fundus-workspace') });

    const annotationId = (await hooks(page, (d) => d.annotationId()))!;
    const version = (await hooks(page, (d) => d.savedVersion()))!;
    expect(version).toBe(1);
    const labels = await getJson<{ labelSchema: { labels: { key: string; value: number }[] } }>(page, `/api/items/${seeded.itemId}`);
    const value = (key: string) => labels.body.labelSchema.labels.find((l) => l.key === key)!.value;
    const mask = await fetchVolume(page, `/api/annotations/${annotationId}/revisions/${version}/mask`, 768 * 640);
    const expected = fundusMeasures({ width: 768, height: 640, data: mask }, { disc: value('optic_disc'), cup: value('optic_cup') }, 'OD', null);
    const refuge = verticalCdr(expected, 'refuge');
    expect(refuge).toBeGreaterThan(0.3);
    expect(refuge).toBeLessThan(0.7);
    expect(await page.textContent('[data-testid=fundus-vcdr-refuge]')).toBe(refuge.toFixed(3));
    expect(await page.textContent('[data-testid=fundus-vcdr-extent]')).toBe(verticalCdr(expected, 'extent').toFixed(3));
  }, 180_000);

  it('refuses a cup outside the disc in words, and keeps the saved version', async () => {
    const { disc } = seeded.fundus;
    await page.click('[data-testid=fundus-tool-cup-ellipse]');
    const right = disc.centre[0] + disc.radii[0];
    await drag(page, [right - 10, disc.centre[1] - 10], [right + 20, disc.centre[1] + 10]);
    await page.click('[data-testid=fundus-save]');
    await page.waitForSelector('[data-testid=fundus-refusal]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid=fundus-refusal]')).toMatch(/^The cup must lie inside the disc/);
    expect(await page.textContent('[data-testid=fundus-refusal]')).not.toMatch(/DLN_/);
    expect(await hooks(page, (d) => d.savedVersion())).toBe(1);
    const annotationId = (await hooks(page, (d) => d.annotationId()))!;
    const revisions = await getJson<unknown[]>(page, `/api/annotations/${annotationId}/revisions`);
    expect(revisions.body).toHaveLength(1);
  }, 120_000);
});
