import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { encodeRle8 } from '@delineate/core';
import { demoProjectSettings, liverCtReviewProtocol } from '@delineate/schema';
import { DeidRecordRepository, ItemRepository, ProjectRepository, openBlobStore, openDatabase } from '@delineate/store';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, screenshotPath, signIn, startDemoServer, totp, type RunningServer } from './harness';

/**
 * The project pages end to end in chromium, through the real CLI, server, worker and store: the
 * project administrator sees the project list, the workflow configuration refuses bad input per
 * field and shows the server's refusal, saves a valid configuration that reloads as saved, creates
 * the tasks (recorded sample) and reassigns one. A small workflow then runs through the HTTP API
 * (a rejection with rework, a correction, two blinded readers whose agreement the worker computes)
 * and the QA dashboard shows the API's numbers, which equal values worked out here by hand.
 *
 * Besides the demo (one phantom CT with one annotation task) the server gets one more gated item,
 * a 32×32×8 series, seeded through the store before it starts: the item two readers annotate.
 */
const run = browserAvailable() ? describe : describe.skip;

const NX = 32, NY = 32, NZ = 8;
const N = NX * NY * NZ;
const LIVER = 1;

function box(dims: [number, number, number], [x0, x1]: [number, number], [y0, y1]: [number, number], [z0, z1]: [number, number]): Uint8Array {
  const [nx, ny, nz] = dims;
  const v = new Uint8Array(nx * ny * nz);
  for (let z = z0; z < z1; z++) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) v[x + nx * (y + ny * z)] = LIVER;
  return v;
}
/** Reader A: x∈[4,20) × y∈[4,20) × z∈[1,7) = 1536 voxels; reader B four columns wider: 1920 voxels. */
const readerA = box([NX, NY, NZ], [4, 20], [4, 20], [1, 7]);
const readerB = box([NX, NY, NZ], [4, 24], [4, 20], [1, 7]);

interface Running extends RunningServer {
  projectId: string;
  extraItemId: string;
}

/** The harness's demo server, with one more gated item seeded through the store before it starts. */
async function startServer(): Promise<Running> {
  let projectId = '';
  let extraItemId = '';
  const server = await startDemoServer({
    slices: 32,
    size: 128,
    async beforeStart(dataDir) {
      const database = await openDatabase({ dataDir });
      const blobs = await openBlobStore({ dataDir, env: { ...process.env, DELINEATE_DATA: dataDir, DATABASE_URL: undefined, DELINEATE_BLOB_URL: undefined } });
      try {
        const db = database.db;
        const project = await new ProjectRepository(db).findByName(demoProjectSettings.name);
        if (!project) throw new Error('the demo project is missing');
        projectId = project.id;
        const items = new ItemRepository(db);
        const subject = await items.createSubject({ projectId, pseudonym: 'E2E-AGREEMENT', ageBand: 'unknown', sex: 'unknown' });
        const study = await items.createStudy({ subjectId: subject.id, studyInstanceUid: `2.25.${Date.now()}1` });
        const series = await items.createSeries({ studyId: study.id, seriesInstanceUid: `2.25.${Date.now()}2`, modality: 'CT' });
        await db
          .updateTable('series')
          .set({ rows: NY, columns: NX, slices: NZ, spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] })
          .where('id', '=', series.id)
          .execute();
        const output = (await blobs.put(new TextEncoder().encode(`e2e instance ${Date.now()}`))).hash;
        await new DeidRecordRepository(db).record({ projectId, sourceHash: output.replace(/^./, output.startsWith('a') ? 'b' : 'a'), outputHash: output, profile: 'basic', options: [], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
        await items.addInstances([{ seriesId: series.id, sopInstanceUid: `2.25.${Date.now()}3`, instanceNumber: 1, blobHash: output }]);
        extraItemId = (await items.createItem({ projectId, subjectId: subject.id, target: { kind: 'series_volume', seriesId: series.id } })).id;
      } finally {
        await blobs.close();
        await database.close();
      }
    },
  });
  return Object.assign(server, { projectId, extraItemId });
}

/** A user of the HTTP API: signs in with the password, enrolling TOTP when the role needs it. */
class ApiUser {
  token = '';
  userId = '';
  constructor(
    readonly base: string,
    readonly username: string,
    readonly password: string,
  ) {}

  async signIn(): Promise<this> {
    const login = await this.raw('POST', '/api/auth/login', { username: this.username, password: this.password });
    expect(login.status, `login ${this.username}`).toBe(200);
    const body = login.body as { token: string; userId: string; mfa: string };
    this.token = body.token;
    this.userId = body.userId;
    if (body.mfa === 'enrolment_required') {
      const { secret } = (await this.ok('POST', '/api/auth/mfa/totp')) as { secret: string };
      this.token = ((await this.ok('POST', '/api/auth/mfa/verify', { code: totp(secret) })) as { token: string }).token;
    }
    return this;
  }

  async raw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    const binary = body instanceof Uint8Array;
    const res = await fetch(this.base + path, {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': binary ? 'application/octet-stream' : 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: binary ? (body as BodyInit) : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  async ok(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await this.raw(method, path, body, headers);
    expect(res.status, `${this.username} ${method} ${path} → ${JSON.stringify(res.body)}`).toBeLessThan(300);
    return res.body;
  }
}

interface Task {
  id: string;
  itemId: string;
  stage: string;
  status: string;
  assigneeId: string | null;
  annotationId: string | null;
  revisionVersion: number | null;
  reviewsTaskId: string | null;
  sampled: boolean;
  blinded: boolean;
}

/** The exact numbers in a chart's table: `data-value` of each cell, by row key. */
async function tableValues(page: Page, testId: string): Promise<Record<string, string[]>> {
  return page.$$eval(`[data-testid=${testId}] table.data tbody tr, table.data[data-testid=${testId}] tbody tr`, (rows) =>
    Object.fromEntries(rows.map((r, i) => [r.getAttribute('data-key') ?? String(i), [...r.querySelectorAll('td')].map((td) => td.getAttribute('data-value') ?? td.textContent ?? '')])),
  );
}

/** Fleiss' kappa for two categories from the number of voxels with k of R votes (k = 0..R). */
function fleissKappa(votes: readonly number[], R: number): number {
  const total = votes.reduce((s, n) => s + n, 0);
  let agree = 0, yes = 0;
  votes.forEach((n, k) => {
    agree += (n * (k * (k - 1) + (R - k) * (R - k - 1))) / (R * (R - 1));
    yes += n * k;
  });
  const p = yes / (total * R);
  const pe = p * p + (1 - p) * (1 - p);
  return (agree / total - pe) / (1 - pe);
}

run('project pages in chromium', () => {
  let server: Running;
  let browser: Browser;
  let page: Page;
  let tech2: ApiUser;
  const liverItems = liverCtReviewProtocol.checklist.filter((c) => c.labelKey === 'liver').map((c) => c.key);

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startServer();
    ({ browser } = await launchBrowser());
    page = await (await newContext(browser)).newPage();
    // A second technologist, so that a sampled item can have two readers.
    const admin = await new ApiUser(server.url, 'demo.admin', server.passwords.get('demo.admin')!).signIn();
    const password = `e2e-${crypto.randomUUID()}`;
    const user = await admin.ok('POST', '/api/users', { username: 'e2e.tech2', displayName: 'E2E Technologist', password });
    await admin.ok('POST', `/api/users/${user.id}/qualifications`, { kind: 'technologist', modality: 'CT' });
    await admin.ok('POST', `/api/projects/${server.projectId}/memberships`, { userId: user.id, role: 'annotator' });
    tech2 = new ApiUser(server.url, 'e2e.tech2', password);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('lists the project with the caller’s role and links to configuration and quality', async () => {
    await signIn(page, server.url, 'demo.projectadmin', server.passwords.get('demo.projectadmin')!);
    await page.click('[data-testid=nav-projects]');
    await page.waitForSelector('[data-testid=project-row]');
    const row = page.locator(`[data-testid=project-row][data-project-id="${server.projectId}"]`);
    await expect(row.textContent()).resolves.toContain('project administrator');
    await expect(row.textContent()).resolves.toContain('Supervised technologist');
    expect(await row.locator('[data-testid=open-settings]').textContent()).toBe('Configuration');
    expect(await row.locator('[data-testid=open-quality]').count()).toBe(1);
    await page.screenshot({ path: screenshotPath('projects-list') });
  }, 120_000);

  it('shows "no data yet" on the dashboard before any review', async () => {
    await page.click('[data-testid=open-quality]');
    await page.waitForSelector('[data-testid=chart-error-annotator]');
    for (const id of ['chart-error-annotator', 'chart-error-label', 'chart-error-type', 'chart-voxels-added', 'chart-correction-dice', 'chart-time', 'chart-agreement-dice', 'agreement-categories']) {
      expect(await page.getAttribute(`[data-testid=${id}]`, 'data-empty'), id).toBe('true');
      await expect(page.locator(`[data-testid=${id}]`).textContent()).resolves.toContain('no data yet');
    }
  }, 60_000);

  it('refuses bad input field by field, then shows the server refusing a frozen change', async () => {
    await page.goto(`${server.url}/#/projects/${server.projectId}/settings`);
    await page.waitForSelector('[data-testid=config-form]');
    await page.waitForSelector('[data-testid=frozen-note]');
    const before = await page.evaluate(async (id) => (await fetch(`/api/projects/${id}/workflow/config`)).json(), server.projectId);
    await page.fill('#fraction', '0.5');
    await page.fill('#readers', '1');
    await page.fill('#dice', '1.5');
    await page.fill('#seed', '-3');
    await page.click('[data-testid=save-config]');
    await expect(page.textContent('[data-testid=error-readersPerItem]')).resolves.toMatch(/at least 2 readers/);
    await expect(page.textContent('[data-testid=error-dice]')).resolves.toMatch(/between 0 and 1/);
    await expect(page.textContent('[data-testid=error-samplingSeed]')).resolves.toMatch(/whole number/);
    expect(await page.locator('[data-testid=error-fraction]').count()).toBe(0);
    await page.screenshot({ path: screenshotPath('projects-settings-invalid') });
    // Nothing was sent.
    expect(await page.evaluate(async (id) => (await fetch(`/api/projects/${id}/workflow/config`)).json(), server.projectId)).toEqual(before);

    // Valid on the client, refused by the server: the demo's tasks freeze the oversight model.
    await page.fill('#readers', '2');
    await page.fill('#dice', '0.8');
    await page.fill('#seed', '7');
    await page.check('[data-testid=oversight-direct_clinical]');
    await page.click('[data-testid=save-config]');
    await page.waitForSelector('[data-testid=error]');
    expect(await page.textContent('[data-testid=error] code')).toBe('DLN_CONFLICT');
    await expect(page.textContent('[data-testid=error]')).resolves.toMatch(/cannot change once workflow tasks exist/);
    expect(await page.evaluate(async (id) => (await fetch(`/api/projects/${id}/workflow/config`)).json(), server.projectId)).toEqual(before);
    await page.screenshot({ path: screenshotPath('projects-settings-conflict') });
  }, 60_000);

  it('saves a valid configuration and shows it again after a reload', async () => {
    await page.check('[data-testid=oversight-supervised_technologist]');
    await page.fill('#fraction', '1');
    await page.fill('#readers', '2');
    await page.check('#blinded');
    await page.fill('#dice', '0.9');
    await page.fill('#kappa', '0.6');
    await page.fill('#seed', '7');
    if (!(await page.isChecked('[data-testid=expert-label-liver_lesion]'))) await page.check('[data-testid=expert-label-liver_lesion]');
    await page.uncheck('#significant-regions');
    await page.click('[data-testid=save-config]');
    await page.waitForSelector('[data-testid=saved]');
    const stored = await page.evaluate(async (id) => (await fetch(`/api/projects/${id}/workflow/config`)).json(), server.projectId);
    expect(stored).toMatchObject({
      oversightModel: 'supervised_technologist',
      agreementSampling: { fraction: 1, readersPerItem: 2, blinded: true },
      expertReview: { labelKeys: ['liver_lesion'], significantRegions: false },
      agreementThresholds: { dice: 0.9, fleissKappa: 0.6 },
      samplingSeed: 7,
    });
    await page.reload();
    await page.waitForSelector('[data-testid=config-form]');
    expect(await page.inputValue('#fraction')).toBe('1');
    expect(await page.inputValue('#readers')).toBe('2');
    expect(await page.inputValue('#dice')).toBe('0.9');
    expect(await page.inputValue('#kappa')).toBe('0.6');
    expect(await page.inputValue('#seed')).toBe('7');
    expect(await page.isChecked('#blinded')).toBe(true);
    expect(await page.isChecked('#significant-regions')).toBe(false);
    expect(await page.isChecked('[data-testid=expert-label-liver_lesion]')).toBe(true);
    expect(await page.isChecked('[data-testid=expert-label-liver]')).toBe(false);
    expect(await page.isChecked('[data-testid=oversight-supervised_technologist]')).toBe(true);
    await page.screenshot({ path: screenshotPath('projects-settings-saved'), fullPage: true });
  }, 60_000);

  it('creates the tasks of the new item with the recorded sample, and reassigns a task', async () => {
    await page.click('[data-testid=create-tasks]');
    await page.waitForSelector('[data-testid=created-result]');
    // One new gated item, sampled at fraction 1, two readers.
    expect(await page.getAttribute('[data-testid=created-count]', 'data-value')).toBe('2');
    expect(await page.getAttribute('[data-testid=sampled-count]', 'data-value')).toBe('1');
    const sample = await page.evaluate(async (id) => (await fetch(`/api/projects/${id}/workflow/sample`)).json(), server.projectId);
    expect(sample.sample.find((s: { itemId: string }) => s.itemId === server.extraItemId)).toMatchObject({ sampled: true, readers: 2, seed: 7 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=workflow-task]').length === 3);
    // The demo item's draw (not sampled, batch 0) and this one (sampled, batch 1).
    expect(await page.getAttribute('[data-testid=recorded-sample]', 'data-items')).toBe(String(sample.sample.length));
    expect(await page.getAttribute('[data-testid=recorded-sample]', 'data-sampled')).toBe(String(sample.sample.filter((s: { sampled: boolean }) => s.sampled).length));
    expect(sample.sample.filter((s: { sampled: boolean }) => s.sampled)).toHaveLength(1);
    const readers = page.locator('[data-testid=workflow-task][data-stage=annotate]');
    expect(await readers.count()).toBe(3);

    // The demo item's task: reassign to the second technologist and back.
    const tasks: Task[] = (await page.evaluate(async (id) => (await fetch(`/api/projects/${id}/workflow/tasks`)).json(), server.projectId)).tasks;
    const demoTask = tasks.find((t) => t.itemId !== server.extraItemId)!;
    const row = page.locator(`[data-testid=workflow-task][data-task-id="${demoTask.id}"]`);
    await row.locator('[data-testid=reassign-select]').selectOption({ label: 'E2E Technologist' });
    await row.locator('[data-testid=reassign]').click();
    await page.waitForFunction((id) => document.querySelector(`[data-task-id="${id}"] [data-testid=assignee]`)?.textContent === 'E2E Technologist', demoTask.id);
    await expect(page.textContent('[data-testid=reassigned]')).resolves.toContain('moved to E2E Technologist');
    await row.locator('[data-testid=reassign-select]').selectOption({ label: 'Demo Annotator' });
    await row.locator('[data-testid=reassign]').click();
    await page.waitForFunction((id) => document.querySelector(`[data-task-id="${id}"] [data-testid=assignee]`)?.textContent === 'Demo Annotator', demoTask.id);
    // The readers of the sampled item cannot take each other's reading: no one is left to choose.
    const sampledRow = page.locator(`[data-testid=workflow-task][data-task-id="${tasks.find((t) => t.itemId === server.extraItemId)!.id}"]`);
    await expect(sampledRow.textContent()).resolves.toContain('nobody else eligible');
    await page.screenshot({ path: screenshotPath('projects-tasks'), fullPage: true });
  }, 60_000);

  it('shows the QA statistics of a small workflow as the API computed them, equal to values worked out by hand', async () => {
    const annotator = await new ApiUser(server.url, 'demo.annotator', server.passwords.get('demo.annotator')!).signIn();
    const reviewerPassword = server.passwords.get('demo.reviewer')!;
    const reviewer = await new ApiUser(server.url, 'demo.reviewer', reviewerPassword).signIn();
    await tech2.signIn();
    // The project administrator's reads go through the signed-in page.
    const adminGet = (path: string) => page.evaluate(async (p) => (await fetch(p)).json(), path);
    const tasks: Task[] = (await adminGet(`/api/projects/${server.projectId}/workflow/tasks`)).tasks;
    const who = (t: Task) => (t.assigneeId === annotator.userId ? annotator : t.assigneeId === tech2.userId ? tech2 : null);

    const item = async (itemId: string) => annotator.ok('GET', `/api/items/${itemId}`);
    const demoTask = tasks.find((t) => t.itemId !== server.extraItemId)!;
    expect(demoTask.assigneeId).toBe(annotator.userId);
    const demoItem = await item(demoTask.itemId);
    const schemaRef = { id: demoItem.labelSchema.id, version: demoItem.labelSchema.version };
    const dims: [number, number, number] = [demoItem.grid.columns, demoItem.grid.rows, demoItem.grid.slices];

    /** Draws, saves and submits `volume` on the task as its assignee; returns the review task created. */
    const submit = async (task: Task, volume: Uint8Array, annotationId?: string, head = 0): Promise<{ review: Task; annotationId: string }> => {
      const user = who(task)!;
      const id = annotationId ?? (await user.ok('POST', `/api/items/${task.itemId}/annotations`, { labelSchema: schemaRef, taskId: task.id })).id;
      await user.ok('POST', `/api/annotations/${id}/revisions?source=human`, encodeRle8(volume), { 'if-match': `"${head}"`, 'idempotency-key': crypto.randomUUID() });
      const result = await user.ok('POST', `/api/workflow/tasks/${task.id}/submit`, { annotationId: id });
      expect(result.created).toHaveLength(1);
      return { review: result.created[0], annotationId: id };
    };
    const pass = () => liverItems.map((itemKey) => ({ itemKey, passed: true }));
    const failing = (key: string, errorType: string) => liverItems.map((itemKey) => (itemKey === key ? { itemKey, passed: false, errorType } : { itemKey, passed: true }));
    const review = (task: Task, body: Record<string, unknown>) =>
      reviewer.ok('POST', `/api/workflow/tasks/${task.id}/review`, { ...body, signature: { password: reviewerPassword } });

    // The demo item: under-segmented, rejected, redrawn, accepted (one return for rework).
    const small = box(dims, [40, 60], [40, 60], [10, 20]);
    const first = await submit(demoTask, small);
    expect(first.review.assigneeId).toBe(reviewer.userId);
    await review(first.review, { decision: 'reject', answers: failing('liver.full-extent', 'under_segmentation') });
    const again = await submit(demoTask, box(dims, [36, 64], [40, 60], [10, 20]), first.annotationId, 1);
    await review(again.review, { decision: 'accept', answers: pass() });

    // The sampled item: two blinded readers; A accepted, B (four columns too wide) corrected back to A.
    const [t1, t2] = tasks.filter((t) => t.itemId === server.extraItemId);
    expect([t1!.sampled, t1!.blinded, t2!.sampled, t2!.blinded]).toEqual([true, true, true, true]);
    const volumeOf = (t: Task) => (who(t) === annotator ? readerA : readerB);
    const readings = [await submit(t1!, volumeOf(t1!)), await submit(t2!, volumeOf(t2!))];
    for (const [i, t] of [t1!, t2!].entries()) {
      const r = readings[i]!.review;
      if (who(t) === annotator) await review(r, { decision: 'accept', answers: pass() });
      else {
        const saved = await reviewer.ok('POST', `/api/annotations/${r.annotationId}/revisions?source=correction`, encodeRle8(readerA), {
          'if-match': `"${r.revisionVersion}"`,
          'idempotency-key': crypto.randomUUID(),
        });
        await review(r, { decision: 'correct', correctedVersion: saved.revision.version, answers: failing('liver.no-neighbour-organs', 'over_segmentation') });
      }
    }

    // The worker computes the agreement of the sampled item.
    let agreement: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (let i = 0; i < 120; i++) {
      agreement = await adminGet(`/api/projects/${server.projectId}/workflow/agreement`);
      if (agreement.items?.length) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    // …and the correction's HD95 (the correction metrics job, queued when the correction was
    // signed): the jobs run in threads, so the API answers while one still computes.
    let quality: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (let i = 0; i < 120; i++) {
      quality = await adminGet(`/api/projects/${server.projectId}/workflow/quality`);
      if (quality.corrections.sizes.length > 0 && quality.corrections.sizes.every((s: { hd95Computing?: boolean }) => !s.hd95Computing)) break;
      await new Promise((r) => setTimeout(r, 500));
    }

    // ---- by hand -------------------------------------------------------------------------------
    const diceAB = (2 * 1536) / (1536 + 1920); // 8/9
    const kappa = fleissKappa([N - 1920, 1920 - 1536, 1536], 2);
    expect(agreement.thresholds).toEqual({ dice: 0.9, fleissKappa: 0.6 });
    expect(agreement.labels).toEqual([{ labelKey: 'liver', items: 1, meanDice: expect.closeTo(diceAB, 12), meanFleissKappa: expect.closeTo(kappa, 12), category: 'low' }]);
    expect(quality.perAnnotator).toEqual(
      expect.arrayContaining([
        { annotatorId: annotator.userId, annotatorName: 'Demo Annotator', reviews: 3, accepted: 2, corrected: 0, rejected: 1, errorRate: 1 / 3 },
        { annotatorId: tech2.userId, annotatorName: 'E2E Technologist', reviews: 1, accepted: 0, corrected: 1, rejected: 0, errorRate: 1 },
      ]),
    );
    expect(quality.perLabel).toEqual([{ labelKey: 'liver', answered: 4 * liverItems.length, failed: 2, errorRate: 2 / (4 * liverItems.length) }]);
    expect(quality.perErrorType).toEqual([
      { errorType: 'over_segmentation', count: 1, share: 0.5 },
      { errorType: 'under_segmentation', count: 1, share: 0.5 },
    ]);
    expect(quality.corrections.sizes).toHaveLength(1);
    expect(quality.corrections.sizes[0]).toMatchObject({ labelKey: 'liver', voxelsAdded: 0, voxelsRemoved: 384, dice: expect.closeTo(diceAB, 12), hd95Mm: expect.any(Number), stage: 'review' });
    expect(quality.rework).toEqual({ total: 1, distribution: [{ reworks: 0, tasks: 2 }, { reworks: 1, tasks: 1 }] });
    expect(quality.agreementPerLabel).toHaveLength(1);
    expect(quality.agreementPerLabel[0].dice).toEqual([expect.closeTo(diceAB, 12)]);
    expect(quality.expertReviews).toEqual({ reviews: 0, accepted: 0, corrected: 0 });

    // ---- the dashboard shows the API's numbers ---------------------------------------------------
    await page.goto(`${server.url}/#/projects/${server.projectId}/quality`);
    await page.waitForSelector('[data-testid=chart-error-annotator] table.data');
    const num = (s: string | undefined) => Number(s);
    const perAnnotator = await tableValues(page, 'chart-error-annotator');
    for (const a of quality.perAnnotator) {
      expect(perAnnotator[a.annotatorId]!.map(num)).toEqual([a.errorRate, a.reviews, a.accepted, a.corrected, a.rejected]);
    }
    await expect(page.textContent('[data-testid=chart-error-annotator]')).resolves.toContain('E2E Technologist');
    expect((await tableValues(page, 'chart-error-label')).liver!.map(num)).toEqual([quality.perLabel[0].errorRate, quality.perLabel[0].answered, quality.perLabel[0].failed]);
    const types = await tableValues(page, 'chart-error-type');
    expect(Object.fromEntries(Object.entries(types).map(([k, v]) => [k, v.map(num)]))).toEqual({ over_segmentation: [1, 0.5], under_segmentation: [1, 0.5] });
    expect(await page.getAttribute('[data-testid=chart-voxels-removed-values]', 'data-values')).toBe('[384]');
    expect(await page.getAttribute('[data-testid=chart-voxels-added-values]', 'data-values')).toBe('[0]');
    expect(JSON.parse((await page.getAttribute('[data-testid=chart-correction-dice-values]', 'data-values'))!)).toEqual([quality.corrections.sizes[0].dice]);
    expect(JSON.parse((await page.getAttribute('[data-testid=chart-correction-hd95-values]', 'data-values'))!)).toEqual([quality.corrections.sizes[0].hd95Mm]);
    const rework = await tableValues(page, 'chart-rework');
    expect([rework['0']![0], rework['1']![0]].map(num)).toEqual([2, 1]);
    expect(await page.getAttribute('[data-testid=stat-rework]', 'data-value')).toBe('1');
    expect(await page.getAttribute('[data-testid=stat-reviews]', 'data-value')).toBe('4');
    // Time per task: n, min and max per stage as the API gave the seconds (shown in seconds or minutes).
    const time = await tableValues(page, 'chart-time');
    const per = num((await page.getAttribute('[data-testid=time-unit]', 'data-value'))!);
    expect(per).toBe(Math.max(...quality.timePerTask.flatMap((t: { seconds: number[] }) => t.seconds)) >= 120 ? 60 : 1);
    for (const t of quality.timePerTask.filter((x: { seconds: number[] }) => x.seconds.length > 0)) {
      const sorted = [...t.seconds].sort((a: number, b: number) => a - b);
      expect(num(time[t.stage]![0])).toBe(sorted.length);
      expect(num(time[t.stage]![1])).toBeCloseTo(sorted[0] / per, 12);
      expect(num(time[t.stage]![5])).toBeCloseTo(sorted[sorted.length - 1] / per, 12);
    }
    // Agreement: one pairwise Dice of 8/9 (a box of one value) and the category report.
    const dice = await tableValues(page, 'chart-agreement-dice');
    expect(num(dice.liver![0])).toBe(1);
    for (const v of dice.liver!.slice(1)) expect(num(v)).toBeCloseTo(diceAB, 12);
    const hd = await tableValues(page, 'chart-agreement-hd95');
    expect(num(hd.liver![2])).toBeCloseTo(quality.agreementPerLabel[0].hd95Mm[0], 12);
    const categories = await tableValues(page, 'agreement-categories');
    expect(categories.liver!.slice(0, 3).map(num)).toEqual([1, expect.closeTo(diceAB, 12), expect.closeTo(kappa, 12)]);
    expect(categories.liver![3]).toBe('low');
    expect(await page.textContent('[data-testid=threshold-dice]')).toBe('0.9');
    await page.screenshot({ path: screenshotPath('projects-quality'), fullPage: true });
  }, 180_000);

  it('shows a data steward the configuration read only, without the task controls, and the dashboard', async () => {
    const steward = await (await newContext(browser)).newPage();
    await signIn(steward, server.url, 'demo.steward', server.passwords.get('demo.steward')!);
    await steward.click('[data-testid=nav-projects]');
    const row = steward.locator(`[data-testid=project-row][data-project-id="${server.projectId}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('data steward');
    expect(await row.locator('[data-testid=open-settings]').textContent()).toBe('Configuration (read only)');
    await row.locator('[data-testid=open-settings]').click();
    await steward.waitForSelector('[data-testid=read-only]');
    expect(await steward.inputValue('#dice')).toBe('0.9');
    expect(await steward.isDisabled('#dice')).toBe(true);
    expect(await steward.isDisabled('[data-testid=oversight-direct_clinical]')).toBe(true);
    expect(await steward.locator('[data-testid=save-config]').count()).toBe(0);
    expect(await steward.locator('[data-testid=workflow-tasks]').count()).toBe(0);
    await steward.goto(`${server.url}/#/projects/${server.projectId}/quality`);
    await steward.waitForSelector('[data-testid=agreement-categories]');
    expect(await steward.getAttribute('[data-testid=stat-reviews]', 'data-value')).toBe('4');
    await steward.screenshot({ path: screenshotPath('projects-steward-settings') });
    await steward.close();
  }, 120_000);
});
