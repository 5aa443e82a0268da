import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AScanState, boundaryIndex, cellOf, decodeBoundarySet, heightAt, type BoundarySet } from '@delineate/core';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, screenshotPath, signIn, startDemoServer, type RunningServer } from './harness';
import { seedOct, type SeededOct } from './oct-seed';
import { getJson } from './workspace-driver';

/**
 * The OCT workspace in Chromium against the real server (issue 20): the synthetic OPT is ingested
 * through the gate; an annotator snaps the ILM and the RPE on one B-scan and propagates both to
 * the next two, marks an absent EZ segment and saves; a second reader does the same with other
 * clicks, a knot dragged and another EZ segment; a boundary drawn below Bruch's membrane is
 * refused in words. The quality page then shows each boundary's mean absolute error in µm equal
 * to the value computed here from the two stored height arrays read back through the API.
 */
const run = browserAvailable() ? describe : describe.skip;

interface OctHooks {
  ready(): boolean;
  octReady(): boolean;
  octEnFaceKind(): 'localizer' | 'projection';
  octPosition(): { bscan: number; boundary: string; tool: string };
  octSaveState(): { kind: string; version?: number };
  octMeasures(): { retina: { centralSubfieldUm: number | null; meanUm: number | null } } | null;
  octHeights(boundary: string, bscan: number): { heights: Array<number | null>; states: number[] };
  bscanToPage(ascan: number, row: number): { x: number; y: number };
  enFaceToPage(bscan: number): { x: number; y: number };
  annotationId(): string | null;
}

const hooks = <T,>(page: Page, fn: (d: OctHooks, arg: unknown) => T, arg?: unknown): Promise<T> =>
  page.evaluate(([source, a]) => {
    const f = new Function('d', 'arg', `return (${source})(d, arg);`) as (d: unknown, arg: unknown) => T;
    return f((window as unknown as { __delineate: unknown }).__delineate, a);
  }, [fn.toString(), arg] as const);

const at = (page: Page, ascan: number, row: number) => hooks(page, (d, p) => d.bscanToPage((p as number[])[0]!, (p as number[])[1]!), [ascan, row]);

async function clickAt(page: Page, ascan: number, row: number): Promise<void> {
  const p = await at(page, ascan, row);
  await page.mouse.click(p.x, p.y);
}

async function dragAt(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  const a = await at(page, ...from);
  const b = await at(page, ...to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 8 });
  await page.mouse.up();
}

/** Opens B-scan `s` by clicking its line on the en-face view. */
async function openBScan(page: Page, s: number): Promise<void> {
  const p = await hooks(page, (d, b) => d.enFaceToPage(b as number), s);
  await page.mouse.click(p.x, p.y);
  await page.waitForFunction((b) => (window as unknown as { __delineate: OctHooks }).__delineate.octPosition().bscan === b, s);
}

/** Snaps the selected boundary between two clicks `offset` rows off the phantom's true boundary, then propagates it over the next B-scans. */
async function snapAndPropagate(page: Page, truth: BoundarySet, boundary: string, bscan: number, ascans: [number, number], offset: number, propagations: number): Promise<void> {
  await page.keyboard.press('s');
  const row = (a: number) => heightAt(truth, boundaryIndex(boundary as never), bscan, a)! + offset;
  await clickAt(page, ascans[0], row(ascans[0]));
  await clickAt(page, ascans[1], row(ascans[1]));
  for (let k = 0; k < propagations; k++) await page.click('[data-testid=oct-propagate-next]');
}

async function openItem(page: Page, server: RunningServer, itemId: string): Promise<void> {
  await page.goto(`${server.url}/#/items/${itemId}`);
  await page.waitForFunction(() => {
    const d = (window as unknown as { __delineate?: OctHooks }).__delineate;
    return d?.ready?.() === true && d.octReady?.() === true;
  }, undefined, { timeout: 120_000 });
}

async function saveAndWait(page: Page): Promise<number> {
  await page.click('[data-testid=oct-save]');
  await page.waitForFunction(() => {
    const s = (window as unknown as { __delineate: OctHooks }).__delineate.octSaveState();
    return s.kind === 'saved' && (s.version ?? 0) > 0;
  }, undefined, { timeout: 60_000 });
  await page.waitForSelector('[data-testid=oct-measures]', { timeout: 30_000 });
  return (await hooks(page, (d) => d.octSaveState().version))!;
}

/** The stored head boundary set of an annotation, read back through the API. */
async function storedSet(page: Page, annotationId: string): Promise<BoundarySet> {
  const { body } = await getJson<{ revisions: { version: number }[] }>(page, `/api/annotations/${annotationId}/oct/boundaries`);
  const head = body.revisions[body.revisions.length - 1]!.version;
  const bytes = await page.evaluate(async (u) => Array.from(new Uint8Array(await (await fetch(u)).arrayBuffer())), `/api/annotations/${annotationId}/oct/boundaries/${head}`);
  const decoded = decodeBoundarySet(Uint8Array.from(bytes));
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.set;
}

/** Mean |a − b| in µm over the A-scans where both readers gave the boundary a value. */
function meanAbsoluteErrorUm(a: BoundarySet, b: BoundarySet, boundary: string, umPerRow: number): number {
  let sum = 0;
  let n = 0;
  const k = boundaryIndex(boundary as never);
  for (let s = 0; s < a.bscans; s++) {
    for (let x = 0; x < a.ascans; x++) {
      const i = cellOf(a, k, s, x);
      if (a.states[i] !== AScanState.value || b.states[i] !== AScanState.value) continue;
      sum += Math.abs(a.heights[i]! - b.heights[i]!) * umPerRow;
      n += 1;
    }
  }
  return sum / n;
}

run('OCT workspace in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let seeded: SeededOct;
  /** Each reader's head boundary set, read back through the API by the reader (mask.read is theirs, not the project administrator's). */
  const stored: BoundarySet[] = [];

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startDemoServer({
      slices: 4,
      size: 32,
      async beforeStart(dataDir) {
        seeded = await seedOct(dataDir);
      },
    });
    ({ browser } = await launchBrowser());
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the first reader snaps and propagates the ILM and the RPE over three B-scans, marks EZ absent and saves', async () => {
    const page = await (await newContext(browser)).newPage();
    await signIn(page, server.url, 'demo.annotator', server.passwords.get('demo.annotator')!);
    await openItem(page, server, seeded.itemId);
    expect(await page.textContent('[data-testid=oct-eye]')).toMatch(/^Right eye \(OD\) · 49 B-scans of 512 A-scans/);
    expect(await page.textContent('[data-testid=oct-legend]')).toContain("BM — Bruch's membrane");
    // The localizer came through the gate with the volume: its B-scan lines are the ones the OPT records.
    expect(await hooks(page, (d) => d.octEnFaceKind())).toBe('localizer');
    expect(await page.textContent('[data-testid=oct-en-face-kind]')).toMatch(/^Near-infrared localizer/);
    const truth = seeded.phantom.boundaries;

    await openBScan(page, 10);
    await page.keyboard.press('1');
    await snapAndPropagate(page, truth, 'ILM', 10, [4, 507], 1, 2);
    expect((await hooks(page, (d) => d.octPosition())).bscan).toBe(12);
    await openBScan(page, 10);
    await page.keyboard.press('0');
    expect((await hooks(page, (d) => d.octPosition())).boundary).toBe('RPE');
    await snapAndPropagate(page, truth, 'RPE', 10, [4, 507], -1, 2);
    // Bruch's membrane on B-scan 10 too, for a retinal thickness: its snap keeps below the RPE.
    await openBScan(page, 10);
    await page.keyboard.press('-');
    await snapAndPropagate(page, truth, 'BM', 10, [4, 507], 0, 0);
    const bm = await hooks(page, (d) => d.octHeights('BM', 10));
    for (const a of [50, 256, 450]) expect(Math.abs(bm.heights[a]! - heightAt(truth, boundaryIndex('BM'), 10, a)!)).toBeLessThan(2);
    // Snapping follows the edge: the snapped ILM lies within two rows of the true one across the B-scan.
    const ilm = await hooks(page, (d) => d.octHeights('ILM', 11));
    for (const a of [50, 256, 450]) expect(Math.abs(ilm.heights[a]! - heightAt(truth, boundaryIndex('ILM'), 11, a)!)).toBeLessThan(2);

    await openBScan(page, 11);
    await page.keyboard.press('8');
    await page.keyboard.press('a');
    await dragAt(page, [200, 300], [260, 300]);
    const ez = await hooks(page, (d) => d.octHeights('EZ', 11));
    expect(ez.states.slice(200, 261).every((s) => s === 2)).toBe(true);
    await page.check('[data-testid=oct-flatten]');
    await page.fill('[data-testid=oct-stretch]', '2');
    await page.screenshot({ path: screenshotPath('oct-workspace-first-reader') });
    await page.uncheck('[data-testid=oct-flatten]');
    await page.fill('[data-testid=oct-stretch]', '1');

    expect(await saveAndWait(page)).toBe(1);
    expect(await page.textContent('[data-testid=oct-save-state]')).toBe('Saved as version 1');
    // The mean retinal thickness beside the image is the saved revision's, within a row of the phantom's own (B-scan 10, ILM to BM).
    const measures = (await hooks(page, (d) => d.octMeasures()))!;
    expect(await page.textContent('[data-testid=oct-mean-thickness]')).toBe(`${Math.round(measures.retina.meanUm!)} µm`);
    let truthSum = 0;
    for (let x = 0; x < 512; x++) truthSum += (heightAt(truth, boundaryIndex('BM'), 10, x)! - heightAt(truth, boundaryIndex('ILM'), 10, x)!) * seeded.phantom.geometry.axialUmPerPixel;
    expect(Math.abs(measures.retina.meanUm! - truthSum / 512)).toBeLessThan(2 * seeded.phantom.geometry.axialUmPerPixel);
    await page.screenshot({ path: screenshotPath('oct-workspace-saved') });
    stored.push(await storedSet(page, (await hooks(page, (d) => d.annotationId()))!));
    await page.close();
  }, 300_000);

  it('the second reader does the same differently; a boundary below BM is refused in words', async () => {
    const page = await (await newContext(browser)).newPage();
    await signIn(page, server.url, 'demo.clinician', server.passwords.get('demo.clinician')!);
    await openItem(page, server, seeded.itemId);
    const truth = seeded.phantom.boundaries;

    await openBScan(page, 10);
    await page.keyboard.press('1');
    await snapAndPropagate(page, truth, 'ILM', 10, [30, 480], -1, 2);
    await openBScan(page, 10);
    await page.keyboard.press('0');
    await snapAndPropagate(page, truth, 'RPE', 10, [30, 480], 2, 2);
    // A knot of the RPE on B-scan 12 dragged four rows down.
    await page.keyboard.press('k');
    const knotRow = (await hooks(page, (d) => d.octHeights('RPE', 12))).heights[256]!;
    await dragAt(page, [256, knotRow], [256, knotRow + 4]);
    expect((await hooks(page, (d) => d.octHeights('RPE', 12))).heights[256]!).toBeCloseTo(knotRow + 4, 0);

    await openBScan(page, 11);
    await page.keyboard.press('8');
    await page.keyboard.press('a');
    await dragAt(page, [220, 300], [300, 300]);

    // The ILM drawn under Bruch's membrane on B-scan 20 is refused, naming both and the B-scan.
    await openBScan(page, 20);
    await page.keyboard.press('-');
    await snapAndPropagate(page, truth, 'BM', 20, [100, 200], 0, 0);
    await page.keyboard.press('1');
    await page.keyboard.press('d');
    const bm = heightAt(truth, boundaryIndex('BM'), 20, 150)!;
    await dragAt(page, [120, bm + 10], [180, bm + 10]);
    await page.click('[data-testid=oct-save]');
    await page.waitForSelector('[data-testid=oct-refusal]', { timeout: 30_000 });
    const refusal = (await page.textContent('[data-testid=oct-refusal]'))!;
    expect(refusal).toMatch(/ILM \(Internal limiting membrane\) lies below .* on B-scan 21/);
    expect(refusal).not.toMatch(/DLN_/);
    await page.screenshot({ path: screenshotPath('oct-workspace-order-refusal') });
    // Undo the low ILM and the BM, then save.
    await page.click('[data-testid=oct-undo]');
    await page.click('[data-testid=oct-undo]');
    expect(await saveAndWait(page)).toBe(1);
    stored.push(await storedSet(page, (await hooks(page, (d) => d.annotationId()))!));
    await page.close();
  }, 300_000);

  it('the quality page shows each boundary error in µm as computed from the two stored height arrays', async () => {
    const page = await (await newContext(browser)).newPage();
    await signIn(page, server.url, 'demo.projectadmin', server.passwords.get('demo.projectadmin')!);
    const [a, b] = stored as [BoundarySet, BoundarySet];
    const volume = (await getJson<{ axialUmPerPixel: number }>(page, `/api/items/${seeded.itemId}/oct`)).body;
    await page.goto(`${server.url}/#/projects/${seeded.projectId}/quality`);
    await page.waitForSelector('[data-testid=oct-agreement-boundary][data-boundary=ILM]', { timeout: 60_000 });
    await page.screenshot({ path: screenshotPath('oct-agreement'), fullPage: true });
    for (const boundary of ['ILM', 'RPE']) {
      const expected = meanAbsoluteErrorUm(a, b, boundary, volume.axialUmPerPixel);
      expect(expected).toBeGreaterThan(0);
      expect(await page.textContent(`[data-testid=oct-agreement-boundary][data-boundary=${boundary}] [data-testid=oct-mae]`)).toBe(`${expected.toFixed(2)} µm`);
    }
    // EZ on B-scan 11: graded by both only where both marked it absent (A-scans 220–260); elsewhere one reader left it unannotated.
    const ez = boundaryIndex('EZ');
    let graded = 0;
    let oneAbsent = 0;
    for (let x = 0; x < a.ascans; x++) {
      const [sa, sb] = [a.states[cellOf(a, ez, 11, x)], b.states[cellOf(b, ez, 11, x)]];
      if (sa === AScanState.notAnnotated || sb === AScanState.notAnnotated) continue;
      graded += 1;
      if ((sa === AScanState.absent) !== (sb === AScanState.absent)) oneAbsent += 1;
    }
    expect(graded).toBe(41);
    expect(await page.textContent('[data-testid=oct-agreement-boundary][data-boundary=EZ] [data-testid=oct-absent-disagreement]')).toBe(`${((oneAbsent / graded) * 100).toFixed(1)} %`);
  }, 180_000);
});
