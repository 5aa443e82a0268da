import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { binaryMask, expandByMargin, gridOf, isotropicMargin } from '@delineate/core';
import { demoProjectSettings, labelSchemaTemplate, liverCtReviewProtocol, schemaFromTemplate } from '@delineate/schema';
import { LabelSchemaRepository, openDatabase, ProjectRepository } from '@delineate/store';
import { dciodvfyAvailable, runDciodvfy } from '@delineate/testkit';
import { apiUser } from './api-user';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, screenshotPath, signIn, startDemoServer, waitForVolume, type RunningServer } from './harness';
import { fetchVolume, goToSlice, hooks, paintBlob } from './workspace-driver';

/**
 * Radiation oncology end to end (issue 23) through the real CLI, server, worker, store and
 * chromium: a platform administrator creates a project from the head-and-neck template (preview
 * with codes, schema page naming the template); the annotator draws a GTV on the demo CT, derives
 * a CTV and a PTV in the workspace, and the stored PTV holds exactly the voxels of the stored GTV
 * grown by the same margins (computed here); a second GTV stroke saved moves both derived
 * structures with it; the accepted work's release exports an RTSTRUCT that passes dciodvfy.
 *
 * A new project has no images until an upload goes through the gate, so the annotation runs on
 * the demo CT project, whose schema is made from the same template before the server starts.
 */
const run = browserAvailable() ? describe : describe.skip;
const template = labelSchemaTemplate('rt-head-neck');
const value = (key: string) => template.labels.find((l) => l.key === key)!.value;
const [GTV, GTV_NODAL, CTV, PTV] = [value('gtv_primary'), value('gtv_nodal'), value('ctv'), value('ptv')];
const CTV_MM = 5;
const PTV_MM = 10;

run('radiotherapy workflow in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let projectId = '';
  let annotationId = '';
  let dims = { columns: 0, rows: 0, slices: 0 };
  let spacing: number[] = [];
  let voxels = 0;

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startDemoServer({
      slices: 32,
      size: 128,
      async beforeStart(dataDir) {
        const database = await openDatabase({ dataDir });
        try {
          const schema = await new LabelSchemaRepository(database.db).create(schemaFromTemplate(template, 'Head and neck (demo CT)'));
          const project = (await new ProjectRepository(database.db).findByName(demoProjectSettings.name))!;
          projectId = project.id;
          await database.db.updateTable('projects').set({ label_schema_id: schema.id, label_schema_version: schema.version }).where('id', '=', project.id).execute();
        } finally {
          await database.close();
        }
      },
    });
    ({ browser } = await launchBrowser());
    page = await (await newContext(browser)).newPage();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('creates a project from the head-and-neck template, previewing its structures with codes, and shows where they came from', async () => {
    await signIn(page, server.url, 'demo.admin', server.passwords.get('demo.admin')!);
    await page.goto(`${server.url}/#/admin`);
    await page.click('[data-testid=tab-projects]');
    await page.fill('[data-testid=project-name]', 'Oropharynx radiotherapy');
    await page.fill('[data-testid=project-purpose]', 'Organ-at-risk and target contours for planning research');
    await page.selectOption('[data-testid=template-choice]', `${template.id}:${template.version}`);
    await page.waitForSelector('[data-testid=template-preview]');
    expect(await page.locator('[data-testid=template-structure]').count()).toBe(template.labels.length);
    await expect(page.locator('[data-testid=template-preview]').textContent()).resolves.toMatch(/Brouwer/);
    await expect(page.locator('[data-testid=template-code]').first().textContent()).resolves.toBe('DICOM 130052 (GTV Primary)');
    await expect(page.locator('[data-testid=template-structure]', { hasText: 'Brainstem' }).textContent()).resolves.toContain('FMA 79876 (Brainstem)');
    await page.click('[data-testid=create-from-template]');
    await page.waitForSelector('[data-testid=template-schema-created]');
    await page.screenshot({ path: screenshotPath('rt-01-template'), fullPage: true });
    await page.click('[data-testid=create-project]');
    await page.waitForSelector('[data-testid=project-created]');
    const projects = await page.evaluate(async () => ((await (await fetch('/api/projects')).json()) as { projects: { id: string; name: string }[] }).projects);
    const created = projects.find((p) => p.name === 'Oropharynx radiotherapy')!;
    await page.goto(`${server.url}/#/projects/${created.id}/label-schema`);
    await page.waitForSelector('[data-testid=schema-origin]');
    await expect(page.textContent('[data-testid=schema-origin]')).resolves.toBe(`Created from the library template “${template.name}”, version ${template.version}.`);
    expect(await page.locator('[data-testid=schema-structure]').count()).toBe(template.labels.length);
    await expect(page.locator('[data-testid=structure-origin]').nth(5).textContent()).resolves.toMatch(/Brouwer/);
  }, 180_000);

  /** The head mask and the PTV the test computes from its GTVs with the same margins (a CTV around the GTVs, the PTV around that). */
  async function headAndExpectedPtv(): Promise<{ head: Uint8Array; version: number; expected: number; stored: number }> {
    const version = await hooks(page, (d) => d.baseVersion());
    const head = await fetchVolume(page, `/api/annotations/${annotationId}/revisions/${version}/mask`, voxels);
    const grid = gridOf([dims.columns, dims.rows, dims.slices], spacing);
    const gtv = binaryMask(grid, Uint8Array.from(head, (v) => (v === GTV || v === GTV_NODAL ? 1 : 0)));
    const ptv = expandByMargin(expandByMargin(gtv, isotropicMargin(CTV_MM)), isotropicMargin(PTV_MM));
    const expected = ptv.data.reduce((n, v) => n + v, 0);
    // One label per voxel: the PTV is the ring outside the CTV, which is the ring outside the GTV.
    const stored = head.reduce((n, v) => n + (v === GTV || v === GTV_NODAL || v === CTV || v === PTV ? 1 : 0), 0);
    return { head, version, expected, stored };
  }

  it('draws a GTV, derives a CTV and a PTV whose voxels equal the GTV grown by the same margins', async () => {
    await page.context().clearCookies();
    await signIn(page, server.url, 'demo.annotator', server.passwords.get('demo.annotator')!);
    await page.waitForSelector('[data-testid=open-task]');
    await page.click('[data-testid=open-task]');
    await waitForVolume(page);
    annotationId = await hooks(page, (d) => d.annotationId());
    dims = await hooks(page, (d) => d.dims());
    voxels = dims.columns * dims.rows * dims.slices;
    spacing = await page.evaluate(async (id) => ((await (await fetch(`/api/items/${id}`)).json()) as { grid: { spacing: number[] } }).grid.spacing, page.url().match(/items\/([0-9a-f-]+)/)![1]);
    await page.click('[data-testid=label-gtv_primary]');
    await page.click('[data-testid=tool-brush]');
    for (const z of [14, 15, 16]) {
      await goToSlice(page, z);
      await paintBlob(page, 64, 60, 5);
    }
    await page.click('[data-testid=save]');
    await page.waitForSelector('[data-testid=save-state]:has-text("version 1")');

    await page.selectOption('[data-testid=derive-target]', 'ctv');
    expect(await page.isChecked('[data-testid=derive-sources] [data-source=gtv_primary]')).toBe(true);
    await page.fill('[data-testid=derive-margin]', String(CTV_MM));
    await page.click('[data-testid=derive]');
    await page.waitForSelector('[data-testid=derived-structure][data-target=ctv]');
    await page.waitForSelector('[data-testid=save-state]:has-text("version 2")');
    await page.selectOption('[data-testid=derive-target]', 'ptv');
    expect(await page.isChecked('[data-testid=derive-sources] [data-source=ctv]')).toBe(true);
    await page.fill('[data-testid=derive-margin]', String(PTV_MM));
    await page.click('[data-testid=derive]');
    await page.waitForSelector('[data-testid=derived-structure][data-target=ptv]');
    await page.waitForSelector('[data-testid=save-state]:has-text("version 3")');
    await expect(page.textContent('[data-testid=derived-structure][data-target=ptv] [data-testid=derived-recipe]')).resolves.toBe(
      `GTV primary, GTV nodal, CTV and ITV grown by ${PTV_MM} mm in every direction (recipe version 1)`,
    );

    const { head, expected, stored } = await headAndExpectedPtv();
    expect(head.filter((v) => v === PTV).length).toBeGreaterThan(0);
    expect(stored).toBe(expected);
    // The page shows what the server stored.
    expect(await hooks(page, (d, v) => d.labelCount(v as number), PTV)).toBe(head.filter((v) => v === PTV).length);
    // A derived structure is not painted by hand until it is detached.
    await page.click('[data-testid=label-ptv]');
    await page.waitForSelector('[data-testid=derived-locked]');
    await page.screenshot({ path: screenshotPath('rt-02-derived'), fullPage: true });
  }, 240_000);

  it('refreshes the CTV and PTV when the GTV is edited and saved', async () => {
    const before = await headAndExpectedPtv();
    await page.click('[data-testid=label-gtv_primary]');
    await goToSlice(page, 12);
    await paintBlob(page, 64, 60, 4);
    await page.click('[data-testid=save]');
    // The save is version 4; the server's recomputation of the derived structures is version 5, loaded here.
    await page.waitForSelector('[data-testid=save-state]:has-text("version 5")');
    const after = await headAndExpectedPtv();
    expect(after.version).toBe(5);
    expect(after.expected).toBeGreaterThan(before.expected);
    expect(after.stored).toBe(after.expected);
    expect(await hooks(page, (d, v) => d.labelCount(v as number), PTV)).toBe(after.head.filter((v) => v === PTV).length);
    await expect(page.textContent('[data-testid=derived-structure][data-target=ctv] [data-testid=derived-state]')).resolves.toBe('Derived');
  }, 120_000);

  it('exports the accepted work of a release as an RTSTRUCT that passes dciodvfy', async () => {
    // The annotator signed in with a second factor in the browser: submit from the page's session.
    const task = await page.evaluate(async () => ((await (await fetch('/api/tasks/mine')).json()) as { tasks: { id: string; kind: string }[] }).tasks.find((t) => t.kind === 'annotate')!);
    const submitted = await page.evaluate(
      async ([taskId, id]) => {
        const res = await fetch(`/api/workflow/tasks/${taskId}/submit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ annotationId: id }) });
        return (await res.json()) as { created: { id: string }[] };
      },
      [task.id, annotationId] as const,
    );
    const reviewerPassword = server.passwords.get('demo.reviewer')!;
    const reviewer = await apiUser(server.url, 'demo.reviewer', reviewerPassword);
    const admin = await apiUser(server.url, 'demo.projectadmin', server.passwords.get('demo.projectadmin')!);
    const answers = liverCtReviewProtocol.checklist.map((c) => ({ itemKey: c.key, passed: true }));
    await reviewer.ok('POST', `/api/workflow/tasks/${submitted.created[0]!.id}/review`, { decision: 'accept', answers, signature: { password: reviewerPassword } });
    const release = await admin.ok('POST', `/api/projects/${projectId}/releases`, { name: 'RT release', defaultSplit: 'test' });
    await admin.ok('POST', `/api/projects/${projectId}/releases/${release.id}/freeze`);
    const queued = await admin.ok('POST', `/api/projects/${projectId}/releases/${release.id}/exports`, { format: 'rtstruct' });
    let state = queued;
    for (let i = 0; i < 120 && state.status !== 'succeeded' && state.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      state = await admin.ok('GET', `/api/releases/${release.id}/exports/${queued.id}`);
    }
    expect(state.status).toBe('succeeded');
    const archive = await admin.bytes(`/api/releases/${release.id}/exports/${queued.id}/download`);
    const dir = await mkdtemp(join(tmpdir(), 'dln-rt-e2e-'));
    try {
      await writeFile(join(dir, 'release.tar'), archive);
      execFileSync('tar', ['-xf', join(dir, 'release.tar'), '-C', dir]);
      const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.dcm'));
      expect(files.length).toBe(1);
      if (dciodvfyAvailable()) {
        const report = runDciodvfy(join(dir, files[0]!));
        expect(report.errors, report.output).toEqual([]);
        expect(report.iod).toBe('RTStructureSet');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
