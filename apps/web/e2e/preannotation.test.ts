import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { generateCtPhantom } from '@delineate/formats';
import { promptableOnnxModels, startMonaiLabelService, windowOnnxModel, type MonaiLabelService } from '@delineate/testkit';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, screenshotPath, signIn, startDemoServer, waitForVolume, type RunningServer } from './harness';
import { fetchVolume, goToSlice, hooks, paintBlob, project } from './workspace-driver';

/**
 * AI pre-annotation in the workspace (issue 18), through the real CLI, server, worker jobs,
 * onnxruntime-node and Debian chromium: the project admin registers a built-in region grower, the
 * project's own ONNX test model, its promptable (encoder and decoder) test model and the test
 * MONAI Label service started here on loopback; the annotator grows a region from a click on the
 * liver, drags a click with the promptable model and watches its live outline before releasing it
 * into a draft, runs the ONNX model on the slice, then the external endpoint, sees that draft
 * outlined with the endpoint's provenance in words, corrects it with the brush and submits; the QA
 * page then shows the correction effort of the endpoint's model version, equal to the figures
 * worked out here from the two stored revisions.
 */
const run = browserAvailable() ? describe : describe.skip;

const LIVER = 1;
const SLICE = 16;
const weights = windowOnnxModel({ low: 40, high: 80 });
const weightsSha256 = createHash('sha256').update(weights).digest('hex');
const promptable = promptableOnnxModels({ low: 40, high: 80, radius: 6 });
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const manifest = (name: string, runtime: Record<string, unknown>, onnx: boolean) => ({
  name,
  version: '1.0.0',
  weightsSha256: onnx ? weightsSha256 : null,
  licence: 'Apache-2.0',
  intendedUse: 'Drafts of the liver for an annotator to correct.',
  modality: 'CT',
  input: { dimensionality: '2d', spacingMm: null, normalisation: { kind: 'none' }, patchSize: null, overlap: 0 },
  outputs: [{ index: 1, concept: { scheme: 'SCT', value: '10200004' } }],
  runtime,
});

/** A call through the signed-in page's session (JSON, or bytes as octet-stream). */
async function call<T>(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const binary = body instanceof Uint8Array ? Array.from(body) : null;
  return page.evaluate(
    async ([m, p, json, bytes]) => {
      const res = await fetch(p, {
        method: m,
        headers: bytes ? { 'content-type': 'application/octet-stream' } : json === undefined ? {} : { 'content-type': 'application/json' },
        body: bytes ? new Uint8Array(bytes) : json === undefined ? undefined : JSON.stringify(json),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
    },
    [method, path, binary ? undefined : body, binary] as const,
  );
}

/** An axial (x, y) deep inside the phantom's liver on slices SLICE ± 2, so a click there lands in the liver. */
function liverPoint(): [number, number] {
  const phantom = generateCtPhantom({ slices: 32, rows: 128, columns: 128 });
  const [nx, ny] = phantom.dims;
  const liver = (x: number, y: number, z: number) => phantom.labels[x + nx * (y + ny * z)] === LIVER;
  for (let y = 3; y < ny - 3; y++) {
    for (let x = 3; x < nx - 3; x++) {
      let deep = true;
      for (let z = SLICE - 2; z <= SLICE + 2 && deep; z++) for (let dy = -3; dy <= 3 && deep; dy++) for (let dx = -3; dx <= 3 && deep; dx++) deep = liver(x + dx, y + dy, z);
      if (deep) return [x, y];
    }
  }
  throw new Error('the phantom has no liver on the middle slices');
}

run('AI pre-annotation in the workspace', () => {
  let server: RunningServer;
  let browser: Browser;
  let admin: Page;
  let page: Page;
  let projectId = '';
  let annotationId = '';
  let taskId = '';
  let voxels = 0;
  let service: MonaiLabelService;

  beforeAll(async () => {
    service = await startMonaiLabelService('liver', { low: 40, high: 80 });
    await ensureWebBuilt();
    server = await startDemoServer({ slices: 32, size: 128 });
    ({ browser } = await launchBrowser());
    admin = await (await newContext(browser)).newPage();
    page = await (await newContext(browser)).newPage();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await service?.close();
  });

  it('the project admin registers a built-in region grower, the ONNX test models and the MONAI Label endpoint', async () => {
    await signIn(admin, server.url, 'demo.projectadmin', server.passwords.get('demo.projectadmin')!);
    const projects = await call<{ projects: { id: string; modality: string }[] }>(admin, 'GET', '/api/projects');
    projectId = projects.body.projects.find((p) => p.modality === 'CT')!.id;
    expect((await call(admin, 'PUT', `/api/projects/${projectId}/model-weights/${weightsSha256}`, weights)).status).toBe(201);
    for (const part of [promptable.encoder, promptable.decoder]) expect((await call(admin, 'PUT', `/api/projects/${projectId}/model-weights/${sha(part)}`, part)).status).toBe(201);
    const decoder = { decoderSha256: sha(promptable.decoder), embedding: 'image_embeddings', pointCoords: 'point_coords', pointLabels: 'point_labels', masks: 'masks' };
    for (const m of [
      manifest('liver-grow', { kind: 'builtin', preannotator: 'region_grow' }, false),
      manifest('liver-window', { kind: 'onnx' }, true),
      { ...manifest('liver-click', { kind: 'onnx', promptDecoder: decoder }, true), weightsSha256: sha(promptable.encoder) },
      manifest('liver-remote', { kind: 'monai_label', endpoint: service.url, model: 'liver' }, false),
    ]) {
      const registered = await call<{ code?: string }>(admin, 'POST', `/api/projects/${projectId}/models`, { manifest: m });
      expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    }
  }, 60_000);

  it('grows a region from a click on the liver with the built-in pre-annotator', async () => {
    await signIn(page, server.url, 'demo.annotator', server.passwords.get('demo.annotator')!);
    await page.click('[data-testid=open-task]');
    await waitForVolume(page);
    annotationId = await hooks(page, (d) => d.annotationId());
    const dims = await hooks(page, (d) => d.dims());
    voxels = dims.columns * dims.rows * dims.slices;
    taskId = (await call<{ taskId: string }>(page, 'GET', `/api/annotations/${annotationId}`)).body.taskId;
    await page.waitForSelector('[data-testid=preannotate-panel]');
    const growId = await page.locator('[data-testid=preannotate-model] option', { hasText: 'liver-grow' }).getAttribute('value');
    await page.selectOption('[data-testid=preannotate-model]', growId!);
    await expect(page.locator('[data-testid=preannotate-model-use]').textContent()).resolves.toMatch(/built-in pre-annotator\. Drafts of the liver/);
    await goToSlice(page, SLICE);
    await page.click('[data-testid=preannotate-click]');
    const [x, y] = liverPoint();
    const at = await project(page, x, y);
    await page.mouse.click(at.x, at.y);
    await page.waitForSelector('[data-testid=preannotate-draft]');
    await expect(page.locator('[data-testid=preannotate-provenance]').textContent()).resolves.toMatch(/Draft by liver-grow 1\.0\.0 \(built-in pre-annotator\) on a click at slice 17/);
    const grown = await hooks(page, (d) => d.labelCount(1));
    expect(grown).toBeGreaterThan(200);
    // The draft is the ai revision the server saved, and it is the annotator's new base.
    const runs = (await call<{ runs: { version: number; provenance: { prompt: { kind: string; point: number[] } } }[] }>(page, 'GET', `/api/annotations/${annotationId}/preannotations`)).body.runs;
    expect(runs.map((r) => [r.version, r.provenance.prompt.kind, r.provenance.prompt.point[2]])).toEqual([[1, 'click', SLICE]]);
    // The click is recorded where it landed, within a voxel of where it was aimed.
    expect(Math.abs(runs[0]!.provenance.prompt.point[0]! - x) + Math.abs(runs[0]!.provenance.prompt.point[1]! - y)).toBeLessThanOrEqual(2);
    expect(await hooks(page, (d) => d.baseVersion())).toBe(1);
    const stored = await fetchVolume(page, `/api/annotations/${annotationId}/revisions/1/mask`, voxels);
    expect(stored.filter((v) => v === LIVER).length).toBe(grown);
    await page.screenshot({ path: screenshotPath('preannotation-01-grown') });
  }, 120_000);

  it("drags a click with the promptable model: the decoder's outline follows the pointer live, and the release makes it the draft", async () => {
    const clickId = await page.locator('[data-testid=preannotate-model] option', { hasText: 'liver-click' }).getAttribute('value');
    await page.selectOption('[data-testid=preannotate-model]', clickId!);
    await page.click('[data-testid=preannotate-click]');
    const [x, y] = liverPoint();
    const from = await project(page, x - 3, y - 2);
    const to = await project(page, x, y);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    for (let k = 1; k <= 6; k++) await page.mouse.move(from.x + ((to.x - from.x) * k) / 6, from.y + ((to.y - from.y) * k) / 6);
    // Still pressed: the outline is the model's answer, shown and not saved.
    const preview = page.locator('[data-testid=preannotate-preview]');
    await preview.waitFor();
    expect(Number(await preview.getAttribute('data-voxels'))).toBeGreaterThan(20);
    await expect(preview.textContent()).resolves.toMatch(/Live outline from the model: [\d,]+ voxels on this slice/);
    expect(await hooks(page, (d) => d.baseVersion())).toBe(1);
    await page.screenshot({ path: screenshotPath('preannotation-02-live-outline') });
    await page.mouse.up();
    await page.waitForSelector('[data-testid=preannotate-provenance]:has-text("liver-click 1.0.0")');
    await page.waitForSelector('[data-testid=preannotate-preview]', { state: 'detached' });
    await expect(page.locator('[data-testid=preannotate-provenance]').textContent()).resolves.toMatch(/ONNX model\) on a click at slice 17/);
    expect(await hooks(page, (d) => d.baseVersion())).toBe(2);
    const runs = (await call<{ runs: { version: number; provenance: { prompt: { kind: string; point: number[] } } }[] }>(page, 'GET', `/api/annotations/${annotationId}/preannotations`)).body.runs;
    // The click was placed where the pointer was released.
    const released = runs[runs.length - 1]!;
    expect([released.version, released.provenance.prompt.kind]).toEqual([2, 'click']);
    expect(Math.abs(released.provenance.prompt.point[0]! - x) + Math.abs(released.provenance.prompt.point[1]! - y)).toBeLessThanOrEqual(2);
    await page.click('[data-testid=draft-accept-liver]');
    await page.waitForSelector('[data-testid=draft-label-liver]', { state: 'detached' });
  }, 120_000);

  it('runs the ONNX model on the slice and sees its draft with its provenance', async () => {
    const onnxId = await page.locator('[data-testid=preannotate-model] option', { hasText: 'liver-window' }).getAttribute('value');
    await page.selectOption('[data-testid=preannotate-model]', onnxId!);
    // The slice below: the endpoint runs the same computation, so on one slice its draft would change nothing.
    await goToSlice(page, SLICE - 1);
    await page.click('[data-testid=preannotate-slice]');
    await page.waitForSelector('[data-testid=preannotate-provenance]:has-text("liver-window 1.0.0")');
    await expect(page.locator('[data-testid=preannotate-provenance]').textContent()).resolves.toMatch(/ONNX model\) on axial slice 16/);
    expect(await hooks(page, (d) => d.baseVersion())).toBe(3);
    expect(await hooks(page, (d, z) => d.labelsOnSlice(z as number, 1), SLICE - 1)).toBeGreaterThan(200);
    await expect(page.locator('[data-testid=draft-label-liver]').textContent()).resolves.toMatch(/Liver: [\d,]+ voxels/);
    await page.screenshot({ path: screenshotPath('preannotation-03-onnx-draft') });
  }, 120_000);

  it('runs the external MONAI Label endpoint on the slice, sees its /info snapshot in words, corrects the draft with the brush and submits', async () => {
    const remoteId = await page.locator('[data-testid=preannotate-model] option', { hasText: 'liver-remote' }).getAttribute('value');
    await page.selectOption('[data-testid=preannotate-model]', remoteId!);
    await goToSlice(page, SLICE);
    await page.click('[data-testid=preannotate-slice]');
    await page.waitForSelector('[data-testid=preannotate-provenance]:has-text("liver-remote 1.0.0")');
    await expect(page.locator('[data-testid=preannotate-provenance]').textContent()).resolves.toMatch(/external MONAI Label endpoint\) on axial slice 17/);
    const endpoint = await page.locator('[data-testid=preannotate-endpoint]').textContent();
    expect(endpoint).toContain(`Run at ${service.url}`);
    expect(endpoint).toContain('which reported itself as delineate-test version 0.1 (model “liver”, segmentation, 2-D, labels: liver)');
    expect(service.inferCalls).toBe(1);
    expect(await hooks(page, (d) => d.baseVersion())).toBe(4);
    const runs = (await call<{ runs: { version: number; provenance: { runtime: string; endpoint: string; infoSnapshot: unknown } }[] }>(page, 'GET', `/api/annotations/${annotationId}/preannotations`)).body.runs;
    expect(runs[runs.length - 1]).toMatchObject({ version: 4, provenance: { runtime: 'monai_label', endpoint: service.url, infoSnapshot: { name: 'delineate-test', models: { liver: { labels: { liver: 1 } } } } } });
    const drafted = await hooks(page, (d, z) => d.labelsOnSlice(z as number, 1), SLICE);
    expect(drafted).toBeGreaterThan(200);
    await page.screenshot({ path: screenshotPath('preannotation-04-endpoint-draft') });

    // Correct: accept the draft, paint a missed part with the brush, undo once and paint again.
    await page.click('[data-testid=draft-accept-liver]');
    await page.waitForSelector('[data-testid=draft-label-liver]', { state: 'detached' });
    await page.click('[data-testid=label-liver]');
    await page.click('[data-testid=tool-brush]');
    await paintBlob(page, 100, 100, 4);
    await page.keyboard.press('Control+z');
    await paintBlob(page, 100, 100, 3);
    expect(await hooks(page, (d, z) => d.labelsOnSlice(z as number, 1), SLICE)).toBeGreaterThan(drafted);
    await page.click('[data-testid=save]');
    await page.waitForSelector('[data-testid=save-state]:has-text("version 5")');
    await page.click('[data-testid=submit-for-review]');
    await page.click('[data-testid=confirm-submit-yes]');
    await page.waitForSelector('[data-testid=submitted-notice]');
  }, 120_000);

  it("shows on the QA page the correction effort of the endpoint's model version, as worked out from the two revisions", async () => {
    // The effort is measured by a job after submission.
    type Effort = { aiVersion: number; submittedVersion: number; editing: { strokes: number; clicks: number; undos: number; activeEditingMs: number } | null };
    let effort: Effort | null = null;
    for (let i = 0; i < 120 && !effort; i++) {
      const res: { status: number; body: Effort } = await call<Effort>(admin, 'GET', `/api/tasks/${taskId}/correction-effort`);
      if (res.status === 200) effort = res.body;
      else await new Promise((r) => setTimeout(r, 500));
    }
    expect(effort).not.toBeNull();
    expect([effort!.aiVersion, effort!.submittedVersion]).toEqual([4, 5]);
    expect(effort!.editing).toMatchObject({ strokes: 2, undos: 1 });
    expect(effort!.editing!.clicks).toBeGreaterThanOrEqual(3);

    // By hand, from the stored revisions: the model's draft (2) and the submitted labels (3).
    const ai = await fetchVolume(page, `/api/annotations/${annotationId}/revisions/4/mask`, voxels);
    const submitted = await fetchVolume(page, `/api/annotations/${annotationId}/revisions/5/mask`, voxels);
    let both = 0, added = 0, removed = 0;
    for (let i = 0; i < voxels; i++) {
      const a = ai[i] === LIVER, b = submitted[i] === LIVER;
      if (a && b) both++;
      else if (b) added++;
      else if (a) removed++;
    }
    expect(added).toBeGreaterThan(0);
    const dice = (2 * both) / (2 * both + added + removed);

    await admin.goto(`${server.url}/#/projects/${projectId}/quality`);
    const row = admin.locator('[data-testid=correction-effort] tr[data-model="liver-remote 1.0.0"][data-label=liver]');
    await admin.waitForSelector('[data-testid=correction-effort]');
    await row.waitFor({ timeout: 5000 }).catch(async (e: unknown) => {
      await admin.screenshot({ path: screenshotPath('preannotation-05-quality-failed'), fullPage: true });
      throw new Error(`${String(e)}\n${await admin.locator('[data-testid=correction-effort]').evaluate((t) => t.outerHTML)}`);
    });
    const field = async (name: string) => Number(await row.locator(`[data-field=${name}]`).getAttribute('data-value'));
    expect(await field('tasks')).toBe(1);
    expect(await field('acceptedAsIs')).toBe(0);
    expect(await field('voxelsAdded')).toBe(added);
    expect(await field('voxelsRemoved')).toBe(removed);
    expect(await field('dice')).toBeCloseTo(dice, 12);
    expect(await field('strokes')).toBe(2);
    expect(await field('undos')).toBe(1);
    expect(await field('addedPathLengthMm')).toBeGreaterThan(0);
    // The earlier drafts were replaced by the endpoint's before submission: only the latest draft is measured.
    for (const earlier of ['liver-grow 1.0.0', 'liver-click 1.0.0', 'liver-window 1.0.0']) expect(await admin.locator(`[data-testid=correction-effort] tr[data-model="${earlier}"]`).count()).toBe(0);
    await admin.screenshot({ path: screenshotPath('preannotation-05-quality'), fullPage: true });
  }, 120_000);
});
