import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { fillContours } from '@delineate/core';
import { cineClassicInstances, cinePhantom } from '@delineate/formats';
import { demoProjectSettings, labelSchemaTemplate, schemaFromTemplate } from '@delineate/schema';
import { AccessRepository, AgreementRepository, LabelSchemaRepository, openDatabase, OrganisationRepository, ProjectRepository, setLabelConventions } from '@delineate/store';
import { apiUser } from './api-user';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, screenshotPath, signIn, startDemoServer, type RunningServer } from './harness';
import { getJson } from './workspace-driver';

/**
 * The cardiac cine workspace in Chromium against the real CLI, server, worker (the gate with
 * dciodvfy) and store (issue 21, item 3): a project with the ACDC cardiac template gets a small
 * cine phantom through the ingest API; the annotator outlines the LV endocardium at end-diastole
 * and end-systole on three slices (polygons clicked, one copied to the next slice), saves, and the
 * volumes the page shows equal the test's own count: the filled polygons (the project's contour
 * fill) × the voxel volume. ED/ES are chosen from the curve, then set by hand; a stale save is
 * refused in words.
 */
const run = browserAvailable() ? describe : describe.skip;
const CARDIAC_PROJECT = 'Cardiac cine e2e (synthetic phantom)';
const phantom = cinePhantom({ slices: 4, phases: 4, rows: 64, columns: 64, pixelSpacing: 2.5, seed: 21 });

interface CineHooks {
  ready(): boolean;
  cineReady(): boolean;
  annotationId(): string;
  cinePosition(): { slice: number; phase: number; slices: number; phases: number };
  imageToPage(x: number, y: number): { x: number; y: number };
  cineReading(): { version: number; designation: { edPhase: number; esPhase: number; source: string } | null; measures: { lv: { edv: number; esv: number; sv: number; ef: number } } | null } | null;
  drawnContours(): { slice: number; phase: number; lvEndocardium?: number[] }[];
}

const cine = <T,>(page: Page, fn: (d: CineHooks, arg: unknown) => T, arg?: unknown): Promise<T> =>
  page.evaluate(([source, a]) => {
    const f = new Function('d', 'arg', `return (${source})(d, arg);`) as (d: unknown, arg: unknown) => T;
    return f((window as unknown as { __delineate: unknown }).__delineate, a);
  }, [fn.toString(), arg] as const);

/** The ingest route's batch format: each file as a 4-byte big-endian length and its bytes. */
function fileBatch(files: readonly Uint8Array[]): Uint8Array {
  const parts = files.flatMap((f) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(f.length);
    return [length, Buffer.from(f)];
  });
  return new Uint8Array(Buffer.concat(parts));
}

/** A project with the ACDC cardiac label schema (its conventions named), the demo's people in the same roles and organisations. */
async function seedCardiacProject(dataDir: string): Promise<void> {
  const database = await openDatabase({ dataDir });
  try {
    const db = database.db;
    const now = new Date();
    const projects = new ProjectRepository(db);
    const demo = (await projects.findByName(demoProjectSettings.name))!;
    const schema = await new LabelSchemaRepository(db).create(schemaFromTemplate(labelSchemaTemplate('cardiac-cine-acdc'), 'Cardiac cine (ACDC)'));
    await setLabelConventions(db, schema.id, schema.version, { labelMap: 'acdc', papillaryMuscles: 'included_in_cavity', basalSliceRule: 'all_contoured_slices' });
    const project = await projects.create({
      ...demoProjectSettings,
      name: CARDIAC_PROJECT,
      modality: 'MR',
      acceptedModalities: ['MR'],
      purpose: 'End-to-end test of the cardiac cine workspace on a synthetic phantom. Contains no patient data.',
      labelSchema: { id: schema.id, version: schema.version },
      reviewProtocol: demo.reviewProtocol,
    });
    const access = new AccessRepository(db);
    for (const m of await access.membershipsOfProject(demo.id)) await access.addMembership({ userId: m.user_id, projectId: project.id, role: m.role, grantedBy: null, now });
    const organisations = new OrganisationRepository(db);
    const agreements = new AgreementRepository(db);
    for (const org of (await organisations.list()).filter((o) => o.kind === 'annotation_service')) {
      await organisations.admit({ projectId: project.id, organisationId: org.id, roles: ['annotator'], admittedBy: null, now });
      await agreements.record({ projectId: project.id, organisationId: org.id, kind: 'dua', parties: ['Demo University Hospital', org.name], signedAt: now, expiresAt: new Date(now.getTime() + 180 * 86_400_000), identifiableUses: [], regions: ['local'], recordedBy: null, now });
    }
  } finally {
    await database.close();
  }
}

/** A regular polygon about (cx, cy), clicked vertex by vertex on the canvas and closed with Enter. */
async function clickPolygon(page: Page, cx: number, cy: number, radius: number, corners: number): Promise<void> {
  for (let k = 0; k < corners; k++) {
    const angle = (2 * Math.PI * k) / corners + 0.1;
    const at = await cine(page, (d, a) => d.imageToPage(...(a as [number, number])), [cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)]);
    await page.mouse.click(at.x, at.y);
  }
  await page.keyboard.press('Enter');
}

async function goTo(page: Page, slice: number, phase: number): Promise<void> {
  const now = await cine(page, (d) => d.cinePosition());
  for (let i = now.slice; i !== slice; i += slice > now.slice ? 1 : -1) await page.keyboard.press(slice > now.slice ? 'ArrowUp' : 'ArrowDown');
  for (let i = now.phase; i !== phase; i += phase > now.phase ? 1 : -1) await page.keyboard.press(phase > now.phase ? 'ArrowRight' : 'ArrowLeft');
  await page.waitForFunction(([s, p]) => {
    const pos = (window as unknown as { __delineate: CineHooks }).__delineate.cinePosition();
    return pos.slice === s && pos.phase === p;
  }, [slice, phase] as const);
}

run('cardiac cine workspace in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let itemId = '';

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startDemoServer({ slices: 8, size: 32, beforeStart: seedCardiacProject });
    const admin = await apiUser(server.url, 'demo.projectadmin', server.passwords.get('demo.projectadmin')!);
    const project = (await admin.ok('GET', '/api/projects')).projects.find((p: { name: string }) => p.name === CARDIAC_PROJECT);
    const report = await admin.ok('POST', `/api/projects/${project.id}/ingest`, fileBatch(cineClassicInstances(phantom).map((f) => f.bytes)));
    expect(report).toMatchObject({ passed: 16, rejected: 0, quarantined: 0 });
    itemId = report.items[0].itemId;
    ({ browser } = await launchBrowser());
    page = await (await newContext(browser)).newPage();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('outlines the LV at ED and ES on three slices, saves, and shows the volumes counted by hand', async () => {
    await signIn(page, server.url, 'demo.annotator', server.passwords.get('demo.annotator')!);
    await page.goto(`${server.url}/#/items/${itemId}`);
    await page.waitForFunction(() => {
      const d = (window as unknown as { __delineate?: CineHooks }).__delineate;
      return d?.ready() && typeof d.cineReady === 'function' && d.cineReady();
    }, undefined, { timeout: 60_000 });
    expect(await page.textContent('[data-testid=cine-slice]')).toBe('Slice 3 of 4');
    // One set of save controls: the viewer's own (contours), none from the shell.
    expect(await page.locator('[data-testid=cine-save]').count()).toBe(1);
    expect(await page.locator('[data-testid=save], [data-testid=save-state]').count()).toBe(0);
    const [columns, rows] = phantom.dims;
    // Around the phantom's LV: the centre of its endocardium on the middle slice at phase 1.
    const lv = phantom.contours(1, 0).lvEndocardium!;
    const mean = (k: number) => lv.filter((_, i) => i % 2 === k).reduce((a, v) => a + v, 0) / (lv.length / 2);
    const [cx, cy] = [mean(0), mean(1)];
    // End-diastole in phase 1, end-systole in phase 3: large and small polygons on slices 1 … 3.
    await goTo(page, 0, 0);
    await clickPolygon(page, cx, cy, 9.3, 9);
    await page.click('[data-testid=cine-copy-slice]');
    await goTo(page, 1, 0);
    await goTo(page, 2, 0);
    await clickPolygon(page, cx + 1, cy, 7.6, 7);
    for (const slice of [0, 1, 2]) {
      await goTo(page, slice, 2);
      await clickPolygon(page, cx, cy + 0.5, 4.2 + slice, 6);
    }
    const drawn = await cine(page, (d) => d.drawnContours());
    expect(drawn.map((c) => `${c.slice}:${c.phase}`).sort()).toEqual(['0:0', '0:2', '1:0', '1:2', '2:0', '2:2']);
    expect(drawn.find((c) => c.slice === 1 && c.phase === 0)!.lvEndocardium).toEqual(drawn.find((c) => c.slice === 0 && c.phase === 0)!.lvEndocardium);
    await page.screenshot({ path: screenshotPath('cine-drawn') });
    await page.click('[data-testid=cine-save]');
    await page.waitForSelector('[data-testid=cine-message]:has-text("Saved as version 1")');
    await page.waitForSelector('[data-testid=cine-measures]');

    // The test's own count: every drawn polygon filled with the project's contour fill, × the voxel volume.
    const shape = (await getJson<{ sliceSpacing: number }>(page, `/api/items/${itemId}/cine`)).body;
    const voxelMl = (phantom.spacing[0] * phantom.spacing[1] * shape.sliceSpacing) / 1000;
    const volumeAt = (phase: number) =>
      drawn
        .filter((c) => c.phase === phase)
        .reduce((sum, c) => {
          const mask = new Uint8Array(columns * rows);
          fillContours([c.lvEndocardium!], mask, 0, columns, rows);
          return sum + mask.reduce((a, v) => a + v, 0);
        }, 0) * voxelMl;
    const [edv, esv] = [volumeAt(0), volumeAt(2)];
    expect(edv).toBeGreaterThan(esv);
    expect(shape.sliceSpacing).toBeCloseTo(phantom.spacing[2], 4);
    const reading = (await cine(page, (d) => d.cineReading()))!;
    expect(reading.designation).toMatchObject({ edPhase: 0, esPhase: 2, source: 'lv_volume_curve' });
    expect(reading.measures!.lv.edv).toBeCloseTo(edv, 9);
    expect(reading.measures!.lv.esv).toBeCloseTo(esv, 9);
    await expect(page.textContent('[data-testid=cine-lv-edv]')).resolves.toBe(`${edv.toFixed(1)} mL`);
    await expect(page.textContent('[data-testid=cine-lv-esv]')).resolves.toBe(`${esv.toFixed(1)} mL`);
    await expect(page.textContent('[data-testid=cine-lv-sv]')).resolves.toBe(`${(edv - esv).toFixed(1)} mL`);
    await expect(page.textContent('[data-testid=cine-lv-ef]')).resolves.toBe(`${((100 * (edv - esv)) / edv).toFixed(1)} %`);
    await expect(page.textContent('[data-testid=cine-ed-es]')).resolves.toBe('End-diastole: phase 1; end-systole: phase 3 (chosen from the LV volume curve).');
    const panel = (await page.textContent('[data-testid=cine-measures]'))!;
    expect(panel).toContain('Volumes by summation of slices');
    expect(panel).toContain('× 1.05 g/mL');
    expect(panel).not.toMatch(/_|DLN_/);
    // The slice × phase montage: the six outlined planes, the ED and ES columns marked; a click opens a plane.
    const montage = page.locator('[data-testid=cine-montage]');
    expect(await montage.locator('[data-outlined=true]').count()).toBe(6);
    for (const [slice, phase] of [[0, 0], [1, 0], [2, 0], [0, 2], [1, 2], [2, 2]]) expect(await page.getAttribute(`[data-testid=cine-montage-cell-${slice}-${phase}]`, 'data-outlined')).toBe('true');
    expect(await montage.locator('th[data-mark]').allTextContents()).toEqual(['ED', 'ES']);
    await page.click('[data-testid=cine-montage-cell-3-1]');
    await page.waitForFunction(() => {
      const pos = (window as unknown as { __delineate: CineHooks }).__delineate.cinePosition();
      return pos.slice === 3 && pos.phase === 1;
    });
    expect(await page.textContent('[data-testid=cine-slice]')).toBe('Slice 4 of 4');
    await page.screenshot({ path: screenshotPath('cine-measures'), fullPage: true });
  }, 180_000);

  it('sets ED and ES by hand, and refuses a save over someone else’s newer one in words', async () => {
    await page.selectOption('[data-testid=cine-es-select]', '1');
    await page.click('[data-testid=cine-set-phases]');
    await page.waitForSelector('[data-testid=cine-ed-es]:has-text("end-systole: phase 2 (set by a reader)")');
    // Phase 2 holds no contour: ESV 0.
    await expect(page.textContent('[data-testid=cine-lv-esv]')).resolves.toBe('0.0 mL');

    // Another save of the same annotation (a second tab) makes this page's next save stale.
    const annotationId = await cine(page, (d) => d.annotationId());
    const other = await page.evaluate(async (id) => {
      const res = await fetch(`/api/annotations/${id}/cardiac/contours`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'If-Match': '"1"' },
        body: JSON.stringify({ contours: [{ slice: 3, phase: 0, lvEndocardium: [10, 10, 20, 10, 20, 20] }] }),
      });
      return { status: res.status, body: await res.text() };
    }, annotationId);
    expect(other.status, other.body).toBe(201);
    await page.click('[data-testid=cine-save]');
    const refusal = (await page.waitForSelector('[data-testid=cine-message][role=alert]'))!;
    expect(await refusal.textContent()).toBe('Not saved: Someone else saved this annotation after you opened it. (DLN_REVISION_STALE)');
  }, 120_000);
});
