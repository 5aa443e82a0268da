// The slide workspace in headless Debian chromium (software rendering) against a local
// `delineate start` with the demo's 20,480² synthetic H&E slide (issue 16): time to open the slide
// (the first full view drawn) and to show the adjacent field of view, with the browser cache off so
// every tile comes from the server, against the medians pathologists accept (Schüffler et al. 2022).
import { loadavg } from 'node:os';
import type { Page } from 'playwright-core';
import { ensureWebBuilt, launchBrowser, newContext, signIn, startDemoServer } from '../apps/web/e2e/harness';
import type { BenchResult } from './types';

const SLIDE_SIZE = 20_480;
const OPENS = 5;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN;
};
const hook = <T>(page: Page, source: string): Promise<T> => page.evaluate(`(() => { const d = window.__delineate; return ${source}; })()`) as Promise<T>;

async function openAndTime(page: Page, url: string): Promise<{ pageMs: number; viewerMs: number }> {
  await page.goto('about:blank');
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForFunction(() => {
    const d = (window as unknown as { __delineate?: { ready(): boolean; fullyLoaded?(): boolean } }).__delineate;
    return d?.ready() && d.fullyLoaded?.() === true;
  }, undefined, { polling: 'raf', timeout: 120_000 });
  const pageMs = Date.now() - t0;
  const viewer = await hook<{ firstFullView: number | null }>(page, 'd.openTimes()');
  return { pageMs, viewerMs: viewer.firstFullView ?? NaN };
}

/** Pans by one field of view at once and times, in the page, until every tile of the new field is drawn. */
async function adjacentField(page: Page, dx: number, dy: number): Promise<number> {
  // Sent as source: the bench runs through tsx, whose helpers do not exist in the page.
  return page.evaluate(`new Promise((resolve, reject) => {
    const d = window.__delineate;
    const t0 = performance.now();
    d.panFields(${dx}, ${dy});
    let frames = 0;
    const poll = () => {
      // Two frames first: the viewer finds the new field's tiles on its next update.
      if (++frames > 2 && d.fullyLoaded()) resolve(performance.now() - t0);
      else if (performance.now() - t0 > 30000) reject(new Error('the field never finished loading'));
      else requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
  })`) as Promise<number>;
}

export async function run(): Promise<BenchResult> {
  const loadAtStart = loadavg()[0]!;
  await ensureWebBuilt();
  const server = await startDemoServer({ slices: 8, size: 64, slideSize: SLIDE_SIZE });
  const { browser } = await launchBrowser();
  try {
    const page = await (await newContext(browser)).newPage();
    await signIn(page, server.url, 'demo.annotator', server.passwords.get('demo.annotator')!);
    const projects = await page.evaluate(async () => (await (await fetch('/api/projects')).json()) as { projects: { id: string; name: string }[] });
    const project = projects.projects.find((p) => p.name.startsWith('H&E pathology demo'))!;
    const items = await page.evaluate(async (id) => (await (await fetch(`/api/projects/${id}/items/names`)).json()) as { items: { id: string; kind: string }[] }, project.id);
    const item = items.items.find((i) => i.kind === 'slide_region')!;
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });

    // The first opening creates the annotation; the timed ones open it again.
    await openAndTime(page, `${server.url}/#/items/${item.id}`);
    const url = page.url();
    const opens: { pageMs: number; viewerMs: number }[] = [];
    for (let i = 0; i < OPENS; i++) opens.push(await openAndTime(page, url));

    // Browsing at 20× (the usual survey magnification), left to right, one row down, back.
    await page.click('[data-testid=magnification-20]');
    await page.waitForFunction(() => (window as unknown as { __delineate: { settled(): boolean; fullyLoaded(): boolean } }).__delineate.settled(), undefined, { timeout: 30_000 });
    await page.waitForFunction(() => (window as unknown as { __delineate: { fullyLoaded(): boolean } }).__delineate.fullyLoaded(), undefined, { timeout: 60_000 });
    const moves: Array<[number, number]> = [...Array<[number, number]>(4).fill([-1, 0]), [0, 1], ...Array<[number, number]>(8).fill([1, 0]), [0, 1], ...Array<[number, number]>(6).fill([-1, 0])];
    const fields: number[] = [];
    for (const [dx, dy] of moves) fields.push(await adjacentField(page, dx, dy));

    const openMedian = median(opens.map((o) => o.pageMs));
    const fieldMedian = median(fields);
    return {
      name: 'slide-viewer',
      description: `Slide workspace in headless Chromium (SwiftShader, cache off) on the ${SLIDE_SIZE.toLocaleString('en')}² synthetic H&E demo slide through the Deep Zoom route: opening (page load to the first full view drawn) and the adjacent field of view at 20×.`,
      rows: [
        { measure: 'open slide: page load → first full view (ms)', median: Math.round(openMedian), min: Math.round(Math.min(...opens.map((o) => o.pageMs))), max: Math.round(Math.max(...opens.map((o) => o.pageMs))), runs: opens.length },
        { measure: 'open slide: viewer mounted → first full view (ms)', median: Math.round(median(opens.map((o) => o.viewerMs))), min: Math.round(Math.min(...opens.map((o) => o.viewerMs))), max: Math.round(Math.max(...opens.map((o) => o.viewerMs))), runs: opens.length },
        { measure: 'adjacent field of view at 20× (ms)', median: Math.round(fieldMedian), min: Math.round(Math.min(...fields)), max: Math.round(Math.max(...fields)), runs: fields.length },
      ],
      targets: [
        { target: 'slide opened in under 4 s (median)', measured: `${(openMedian / 1000).toFixed(2)} s`, met: openMedian < 4000 },
        { target: 'adjacent field of view in under 0.25 s (median)', measured: `${(fieldMedian / 1000).toFixed(3)} s`, met: fieldMedian < 250 },
      ],
      notes: [
        `Load average at start: ${loadAtStart.toFixed(2)}, at the end: ${loadavg()[0]!.toFixed(2)} (the server, the browser and its software renderer share the machine's cores with whatever else runs).`,
        'An adjacent field is one field of view panned at once (no animation), timed in the page until OpenSeadragon reports every tile of the view drawn.',
      ],
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}
