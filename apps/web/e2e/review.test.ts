import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, screenshotPath, signIn, startDemoServer, totp, waitForVolume, type RunningServer } from './harness';
import { fetchVolume, getJson, goToSlice, hooks, paintBlob, project, type Hooks } from './workspace-driver';

/**
 * The clinical workflow in Chromium (issue 7), through the real CLI demo (supervised technologist:
 * demo.annotator annotates, demo.reviewer reviews, items with a liver lesion go to demo.expert):
 * the annotator paints liver and a lesion, marks a significant region and submits; the reviewer
 * cannot sign an incomplete checklist, rejects with a failed item; the annotator sees the returned
 * item, fixes and resubmits; the reviewer corrects the mask (paint and erase), saves the correction,
 * sees the overlay with the counts the server stored and signs with the password; the expert sees
 * the mark, accepts and signs with a TOTP code. Server state is checked through fetch each step.
 */
const run = browserAvailable() ? describe : describe.skip;

const LIVER = 1;
const LESION = 2;

const count = (v: Uint8Array, value: number) => v.reduce((n, x) => n + (x === value ? 1 : 0), 0);

interface Task {
  id: string;
  stage: string;
  status: string;
  annotationId: string | null;
  revisionVersion: number | null;
  reworkCount: number;
  reviewsTaskId: string | null;
  returnedItems: { itemKey: string; labelKey: string; errorType: string; note?: string }[];
}
interface Context {
  task: Task;
  labels: { key: string; present: boolean }[];
  checklist: { key: string; labelKey: string; question: string; errorType: string }[];
  significantRegions: { labelKey: string; box: { min: number[]; max: number[] } | null; note: string | null; markedBy: string; version: number }[];
  history: { stage: string; decision: string; correctedVersion: number | null; failedItems: { itemKey: string; errorType: string; note?: string }[]; correctionSizes: { labelKey: string; voxelsAdded: number; voxelsRemoved: number; dice: number | null; hd95Mm: number | null }[]; signedAt: string }[];
}

/** The page keeps the last workspace's hooks; drop them so the next wait sees the newly opened one. */
async function forgetWorkspace(page: Page): Promise<void> {
  await page.evaluate(() => {
    delete (window as unknown as { __delineate?: unknown }).__delineate;
  });
}

/** Opens the one task of the given stage from "My work". */
async function openFromWorkList(page: Page, url: string, stage: string): Promise<string> {
  await page.goto(`${url}/#/`);
  const row = page.locator(`[data-testid=task-row][data-stage=${stage}]`);
  await row.waitFor();
  expect(await row.count()).toBe(1);
  const taskId = (await row.getAttribute('data-task'))!;
  await forgetWorkspace(page);
  await row.locator('[data-testid=open-task]').click();
  await waitForVolume(page);
  await page.waitForFunction((s) => (window as unknown as { __delineate: Hooks }).__delineate.workflowStage() === s, stage);
  return taskId;
}

run('clinical workflow screens in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let annotator: Page;
  let reviewer: Page;
  let expert: Page;
  let annotateTaskId = '';
  let annotationId = '';
  let voxels = 0;
  let expertSecret = '';

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startDemoServer({ slices: 32, size: 128 });
    ({ browser } = await launchBrowser());
    for (let i = 0; i < 3; i++) contexts.push(await newContext(browser));
    [annotator, reviewer, expert] = await Promise.all(contexts.map((c) => c.newPage())) as [Page, Page, Page];
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the annotator paints liver and a lesion, marks a significant region and submits (saving first)', async () => {
    await signIn(annotator, server.url, 'demo.annotator', server.passwords.get('demo.annotator')!);
    annotateTaskId = await openFromWorkList(annotator, server.url, 'annotate');
    await expect(annotator.locator('[data-testid=annotate-panel] [data-testid=task-stage]').textContent()).resolves.toBe('Annotate');
    annotationId = await hooks(annotator, (d) => d.annotationId());
    const dims = await hooks(annotator, (d) => d.dims());
    voxels = dims.columns * dims.rows * dims.slices;

    await annotator.click('[data-testid=label-liver]');
    await annotator.click('[data-testid=tool-brush]');
    for (const z of [14, 16, 18]) {
      await goToSlice(annotator, z);
      await paintBlob(annotator, 50, 60, 8);
    }
    await annotator.click('[data-testid=label-liver_lesion]');
    await goToSlice(annotator, 16);
    await paintBlob(annotator, 85, 60, 3);
    expect(await hooks(annotator, (d) => d.labelsOnSlice(16, 2))).toBeGreaterThan(10);

    // Mark a region as diagnostically significant: a box on slice 17, extended over slices 16–18.
    await annotator.click('[data-testid=tool-mark]');
    const a = await project(annotator, 78, 52);
    const b = await project(annotator, 92, 68);
    await annotator.mouse.move(a.x, a.y);
    await annotator.mouse.down();
    await annotator.mouse.move(b.x, b.y, { steps: 4 });
    await annotator.mouse.up();
    await annotator.waitForSelector('[data-testid=mark-dialog]');
    await annotator.selectOption('[data-testid=mark-label]', String(LESION));
    // With the dialog open, keys reach neither the tools nor the slices, even with focus on a button.
    await annotator.focus('[data-testid=mark-add]');
    await annotator.keyboard.press('b');
    await annotator.keyboard.press('ArrowUp');
    expect(await annotator.getAttribute('[data-testid=tool-mark]', 'class')).toBe('active');
    await annotator.fill('[data-testid=mark-from]', '16');
    await annotator.fill('[data-testid=mark-to]', '18');
    // Typed key by key: letters in the note are text, not tool shortcuts (E eraser, I interpolate, S sphere).
    await annotator.locator('[data-testid=mark-note]').pressSequentially('Rim enhancement: needs an expert opinion');
    await annotator.click('[data-testid=mark-add]');
    expect(await annotator.getAttribute('[data-testid=tool-mark]', 'class')).toBe('active');
    await expect(annotator.locator('[data-testid=new-marks]').textContent()).resolves.toContain('slices 16–18');
    await annotator.screenshot({ path: screenshotPath('review-01-annotate-marked') });

    // A reload before saving (issue 11 §14): the mark is kept on the server at once and comes
    // back with the page; the unsent paint comes back from this computer's draft.
    await expect.poll(async () => (await getJson<{ significantRegions: unknown[] }>(annotator, `/api/workflow/tasks/${annotateTaskId}/significant-regions`)).body.significantRegions).toHaveLength(1);
    await annotator.waitForSelector('[data-testid=save-state]:has-text("draft kept")');
    await annotator.reload();
    await annotator.waitForSelector('[data-testid=draft-offer]');
    await annotator.click('[data-testid=restore-draft]');
    await waitForVolume(annotator);
    await expect(annotator.locator('[data-testid=new-marks]').textContent()).resolves.toContain('slices 16–18');
    expect(await hooks(annotator, (d) => d.labelsOnSlice(16, 2))).toBeGreaterThan(10);

    // Unsaved: submitting saves version 1 first.
    expect(await annotator.textContent('[data-testid=submit-for-review]')).toMatch(/Save and submit/);
    await annotator.click('[data-testid=submit-for-review]');
    // Asked once more; keeping on editing submits nothing.
    await annotator.click('[data-testid=confirm-submit-no]');
    await annotator.waitForSelector('[data-testid=confirm-submit]', { state: 'detached' });
    expect(await hooks(annotator, (d) => d.readOnly())).toBe(false);
    await annotator.click('[data-testid=submit-for-review]');
    await annotator.click('[data-testid=confirm-submit-yes]');
    await annotator.waitForSelector('[data-testid=submitted-notice]');
    await expect(annotator.locator('[data-testid=save-state]').textContent()).resolves.toMatch(/Submitted for review · read-only/);
    expect(await annotator.isDisabled('[data-testid=tool-brush]')).toBe(true);
    expect(await annotator.isDisabled('[data-testid=save]')).toBe(true);
    expect(await hooks(annotator, (d) => d.readOnly())).toBe(true);

    const task = await getJson<Task>(annotator, `/api/workflow/tasks/${annotateTaskId}`);
    expect(task.body).toMatchObject({ status: 'submitted', annotationId, revisionVersion: 1 });
    const stored = await fetchVolume(annotator, `/api/annotations/${annotationId}/revisions/1/mask`, voxels);
    expect(count(stored, LIVER)).toBeGreaterThan(300);
    expect(count(stored, LESION)).toBeGreaterThan(10);
    await annotator.screenshot({ path: screenshotPath('review-02-annotate-submitted') });
  }, 120_000);

  let reviewTaskId = '';
  it('the reviewer sees the checklist per label, cannot sign an incomplete one, and rejects with a failed item', async () => {
    await signIn(reviewer, server.url, 'demo.reviewer', server.passwords.get('demo.reviewer')!);
    reviewTaskId = await openFromWorkList(reviewer, server.url, 'review');
    const context = (await getJson<Context>(reviewer, `/api/workflow/tasks/${reviewTaskId}/review-context`)).body;
    expect(context.labels.filter((l) => l.present).map((l) => l.key)).toEqual(['liver', 'liver_lesion']);
    // At 1600 × 1000 the checklist shares the labels' column: each of the four views keeps about a third of the screen.
    await reviewer.setViewportSize({ width: 1600, height: 1000 });
    await reviewer.waitForFunction(() => (document.querySelector('[data-testid=view-axial]')?.getBoundingClientRect().width ?? 0) > 480);
    await reviewer.screenshot({ path: screenshotPath('review-02b-layout-1600x1000') });
    // The checklist on the screen is the protocol's items of the labels present.
    const shown = await reviewer.locator('[data-testid^="check-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.slice('check-'.length)));
    expect(shown).toEqual(context.checklist.map((c) => c.key));
    expect(shown.length).toBeGreaterThanOrEqual(8);
    // The annotator's mark is drawn and listed.
    await expect(reviewer.locator('[data-testid=stored-marks]').textContent()).resolves.toContain('Rim enhancement');

    // Nothing answered: refused in the page, nothing reaches the server.
    await reviewer.click('[data-testid=decision-reject]');
    await reviewer.click('[data-testid=submit-review]');
    await expect(reviewer.locator('[data-testid=review-problems]').textContent()).resolves.toMatch(new RegExp(`${shown.length} checklist items are not answered`));
    expect(await reviewer.locator('[data-testid=signature-dialog]').count()).toBe(0);
    await reviewer.screenshot({ path: screenshotPath('review-03-incomplete-checklist') });

    // All but one answered: still refused, naming the missing item.
    const missing = shown[shown.length - 1]!;
    for (const key of shown.slice(0, -1)) await reviewer.click(`[data-testid="pass-${key}"]`);
    await reviewer.click('[data-testid=submit-review]');
    await expect(reviewer.locator('[data-testid=review-problems]').textContent()).resolves.toContain(`1 checklist item is not answered: “${context.checklist.find((c) => c.key === missing)!.question}”`);
    await reviewer.click(`[data-testid="pass-${missing}"]`);

    // Fail one item as "other": a comment is needed.
    await reviewer.click('[data-testid="fail-liver.full-extent"]');
    await reviewer.selectOption('[data-testid="error-type-liver.full-extent"]', 'other');
    await reviewer.click('[data-testid=submit-review]');
    await expect(reviewer.locator('[data-testid=review-problems]').textContent()).resolves.toContain('needs a comment');
    await reviewer.fill('[data-testid="note-liver.full-extent"]', 'The liver is missing on slices 19 to 22');
    await reviewer.click('[data-testid=submit-review]');
    await reviewer.waitForSelector('[data-testid=signature-dialog]');
    // A wrong password: the server's refusal with its code, nothing recorded.
    await reviewer.fill('[data-testid=signature-secret]', 'not-the-password');
    await reviewer.click('[data-testid=sign]');
    // Its own words: the signature password, not "user name or password".
    const refusal = await reviewer.locator('[data-testid=signature-dialog] [data-testid=error]').textContent();
    expect(refusal).toContain('DLN_AUTH_PASSWORD_INVALID');
    expect(refusal).toContain('The password is wrong.');
    expect((await getJson<Context>(reviewer, `/api/workflow/tasks/${reviewTaskId}/review-context`)).body.history).toEqual([]);
    await reviewer.fill('[data-testid=signature-secret]', server.passwords.get('demo.reviewer')!);
    await reviewer.click('[data-testid=sign]');
    await reviewer.waitForSelector('[data-testid=signed-at]');

    const after = (await getJson<Context>(reviewer, `/api/workflow/tasks/${reviewTaskId}/review-context`)).body;
    expect(after.history).toHaveLength(1);
    expect(after.history[0]).toMatchObject({ stage: 'review', decision: 'reject', correctedVersion: null, failedItems: [{ itemKey: 'liver.full-extent', errorType: 'other', note: 'The liver is missing on slices 19 to 22' }] });
    expect(await reviewer.getAttribute('[data-testid=signed-at]', 'data-signed-at')).toBe(after.history[0]!.signedAt);
    expect((await getJson<Task>(reviewer, `/api/workflow/tasks/${reviewTaskId}`)).body.status).toBe('done');
    expect(await hooks(reviewer, (d) => d.readOnly())).toBe(true);
    await reviewer.screenshot({ path: screenshotPath('review-04-rejected') });
  }, 120_000);

  it('the returned task shows the annotator the failed item; the fix is submitted again', async () => {
    await annotator.goto(`${server.url}/#/`);
    const row = annotator.locator(`[data-testid=task-row][data-task="${annotateTaskId}"]`);
    await expect(row.locator('[data-testid=task-returned]').textContent({ timeout: 10_000 })).resolves.toContain('1 failed item');
    await forgetWorkspace(annotator);
    await row.locator('[data-testid=open-task]').click();
    await waitForVolume(annotator);
    await annotator.waitForSelector('[data-testid=returned-items]');
    // Returned items read as the checklist's questions, not their keys.
    const returned = (await annotator.locator('[data-testid=returned-items]').textContent())!;
    expect(returned).toMatch(/Is the liver drawn on every slice.*\(Liver\).*Other.*The liver is missing on slices 19 to 22/);
    expect(returned).not.toContain('liver.full-extent');
    expect(await annotator.isDisabled('[data-testid=tool-brush]')).toBe(false);
    // The mark of the first submission stays with the work.
    await expect(annotator.locator('[data-testid=stored-marks]').textContent()).resolves.toContain('Rim enhancement');
    await annotator.screenshot({ path: screenshotPath('review-05-returned') });
    const task = (await getJson<Task>(annotator, `/api/workflow/tasks/${annotateTaskId}`)).body;
    expect(task).toMatchObject({ status: 'in_progress', reworkCount: 1 });

    await annotator.click('[data-testid=label-liver]');
    await annotator.click('[data-testid=tool-brush]');
    for (const z of [20, 22]) {
      await goToSlice(annotator, z);
      await paintBlob(annotator, 50, 60, 8);
    }
    await annotator.click('[data-testid=save]');
    await annotator.waitForSelector('[data-testid=save-state]:has-text("version 2")');
    expect(await annotator.textContent('[data-testid=submit-for-review]')).toBe('Submit for review');
    await annotator.click('[data-testid=submit-for-review]');
    await annotator.click('[data-testid=confirm-submit-yes]');
    await annotator.waitForSelector('[data-testid=submitted-notice]');
    expect((await getJson<Task>(annotator, `/api/workflow/tasks/${annotateTaskId}`)).body).toMatchObject({ status: 'submitted', revisionVersion: 2, returnedItems: [] });
  }, 120_000);

  it('the reviewer corrects the mask, sees the overlay with the stored counts and signs with the password', async () => {
    const secondReview = await openFromWorkList(reviewer, server.url, 'review');
    expect(secondReview).not.toBe(reviewTaskId);
    await expect(reviewer.locator('[data-testid=review-history]').textContent()).resolves.toMatch(/reject/);
    expect(await reviewer.locator('[data-testid=correction]').count()).toBe(0);
    const context = (await getJson<Context>(reviewer, `/api/workflow/tasks/${secondReview}/review-context`)).body;
    expect(context.task.revisionVersion).toBe(2);

    // Corrections: liver added on slice 26, liver erased on slice 14.
    await reviewer.click('[data-testid=label-liver]');
    await reviewer.click('[data-testid=tool-brush]');
    await goToSlice(reviewer, 26);
    await paintBlob(reviewer, 40, 40, 4);
    await reviewer.click('[data-testid=tool-eraser]');
    await goToSlice(reviewer, 14);
    await paintBlob(reviewer, 50, 60, 5);
    await reviewer.waitForSelector('[data-testid=correction][data-source=local]');
    const local = (await hooks(reviewer, (d) => d.correctionCounts()))!;
    expect(local.added).toBeGreaterThan(10);
    expect(local.removed).toBeGreaterThan(10);
    expect(local.relabelled).toBe(0);
    expect(await reviewer.textContent('[data-testid=save]')).toBe('Save correction');
    await reviewer.click('[data-testid=save]');
    await reviewer.waitForSelector('[data-testid=save-state]:has-text("version 3")');
    const revisions = (await getJson<{ version: number; source: string }[]>(reviewer, `/api/annotations/${annotationId}/revisions`)).body;
    expect(revisions.map((r) => [r.version, r.source])).toEqual([[1, 'human'], [2, 'human'], [3, 'correction']]);

    // The reviewer marks the added part as significant too (slice 27 only).
    await goToSlice(reviewer, 26);
    await reviewer.click('[data-testid=tool-mark]');
    const a = await project(reviewer, 34, 34);
    const b = await project(reviewer, 46, 46);
    await reviewer.mouse.move(a.x, a.y);
    await reviewer.mouse.down();
    await reviewer.mouse.move(b.x, b.y, { steps: 4 });
    await reviewer.mouse.up();
    await reviewer.waitForSelector('[data-testid=mark-dialog]');
    await reviewer.selectOption('[data-testid=mark-label]', String(LIVER));
    expect([await reviewer.inputValue('[data-testid=mark-from]'), await reviewer.inputValue('[data-testid=mark-to]')]).toEqual(['27', '27']);
    await reviewer.fill('[data-testid=mark-note]', 'Liver added at the dome');
    await reviewer.click('[data-testid=mark-add]');
    await expect(reviewer.locator('[data-testid=new-marks]').textContent()).resolves.toContain('slices 27–27');

    // Checklist: one failed item with a chosen error type; the rest pass.
    for (const c of context.checklist) await reviewer.click(`[data-testid="pass-${c.key}"]`);
    await reviewer.click('[data-testid="fail-liver.no-neighbour-organs"]');
    await reviewer.selectOption('[data-testid="error-type-liver.no-neighbour-organs"]', 'over_segmentation');
    await reviewer.click('[data-testid=decision-accept]');
    await reviewer.click('[data-testid=submit-review]');
    await expect(reviewer.locator('[data-testid=review-problems]').textContent()).resolves.toContain('cannot be accepted');
    await reviewer.click('[data-testid=decision-correct]');
    await reviewer.click('[data-testid=submit-review]');
    await reviewer.waitForSelector('[data-testid=signature-dialog]');
    await reviewer.screenshot({ path: screenshotPath('review-06-correction-signing') });
    await reviewer.fill('[data-testid=signature-secret]', server.passwords.get('demo.reviewer')!);
    await reviewer.click('[data-testid=sign]');
    await reviewer.waitForSelector('[data-testid=signed-at]');
    await reviewer.waitForSelector('[data-testid=correction][data-source=server]');

    // The overlay the page shows is the server's; its counts are the stored correction size.
    const overlay = await fetchVolume(reviewer, `/api/workflow/tasks/${secondReview}/correction-overlay`, voxels);
    const shownAdded = Number(await reviewer.getAttribute('[data-testid=correction]', 'data-added'));
    const shownRemoved = Number(await reviewer.getAttribute('[data-testid=correction]', 'data-removed'));
    expect([shownAdded, shownRemoved]).toEqual([count(overlay, 1), count(overlay, 2)]);
    expect([shownAdded, shownRemoved]).toEqual([local.added, local.removed]);
    const stored = (await getJson<Context>(reviewer, `/api/workflow/tasks/${secondReview}/review-context`)).body.history;
    expect(stored.map((h) => h.decision)).toEqual(['reject', 'correct']);
    const correctReview = stored[1]!;
    expect(correctReview).toMatchObject({ stage: 'review', correctedVersion: 3, failedItems: [{ itemKey: 'liver.no-neighbour-organs', errorType: 'over_segmentation' }] });
    const liver = correctReview.correctionSizes.find((s) => s.labelKey === 'liver')!;
    expect([liver.voxelsAdded, liver.voxelsRemoved]).toEqual([shownAdded, shownRemoved]);
    expect(liver.dice).toBeGreaterThan(0.5);
    expect(liver.dice).toBeLessThan(1);
    const row = reviewer.locator('[data-testid=correction-sizes] tr[data-label=liver]');
    expect([Number(await row.getAttribute('data-added')), Number(await row.getAttribute('data-removed'))]).toEqual([liver.voxelsAdded, liver.voxelsRemoved]);
    await expect(row.textContent()).resolves.toContain(liver.dice!.toFixed(3));
    expect(await reviewer.getAttribute('[data-testid=signed-at]', 'data-signed-at')).toBe(correctReview.signedAt);
    expect((await getJson<Task>(reviewer, `/api/workflow/tasks/${secondReview}`)).body.status).toBe('done');

    // The overlay is drawn in its own colours and can be hidden.
    await goToSlice(reviewer, 26);
    const colourAt = async () => {
      const p = await project(reviewer, 40, 40);
      return reviewer.evaluate(([x, y]) => {
        const canvas = document.querySelector('[data-testid=view-axial] canvas') as HTMLCanvasElement;
        const r = canvas.getBoundingClientRect();
        const dpr = window.devicePixelRatio || 1;
        return Array.from(canvas.getContext('2d')!.getImageData(Math.round((x! - r.left) * dpr), Math.round((y! - r.top) * dpr), 1, 1).data.slice(0, 3));
      }, [p.x, p.y]);
    };
    await reviewer.waitForTimeout(100);
    const withOverlay = await colourAt();
    expect(withOverlay[1]!).toBeGreaterThan(withOverlay[0]! + 60); // green: added
    await reviewer.screenshot({ path: screenshotPath('review-07-correction-overlay') });
    await reviewer.click('[data-testid=toggle-correction]');
    await reviewer.waitForTimeout(100);
    const without = await colourAt();
    expect(without).not.toEqual(withOverlay);

    // Opened again, the signed review shows its stored signature time, overlay and size, read-only.
    await forgetWorkspace(reviewer);
    await reviewer.reload();
    await waitForVolume(reviewer);
    await reviewer.waitForSelector('[data-testid=correction][data-source=server]');
    expect(await reviewer.getAttribute('[data-testid=signed-at]', 'data-signed-at')).toBe(correctReview.signedAt);
    expect([Number(await reviewer.getAttribute('[data-testid=correction]', 'data-added')), Number(await reviewer.getAttribute('[data-testid=correction]', 'data-removed'))]).toEqual([shownAdded, shownRemoved]);
    expect(Number(await reviewer.getAttribute('[data-testid=correction-sizes] tr[data-label=liver]', 'data-added'))).toBe(liver.voxelsAdded);
    expect(await hooks(reviewer, (d) => d.readOnly())).toBe(true);
    expect(await reviewer.locator('[data-testid=submit-review]').count()).toBe(0);
  }, 150_000);

  it('the expert sees the marks, corrects the lesion with the expert checklist and signs the correction with a TOTP code', async () => {
    expertSecret = await signIn(expert, server.url, 'demo.expert', server.passwords.get('demo.expert')!);
    const expertTaskId = await openFromWorkList(expert, server.url, 'expert_review');
    const context = (await getJson<Context>(expert, `/api/workflow/tasks/${expertTaskId}/review-context`)).body;
    expect(context.task).toMatchObject({ stage: 'expert_review', revisionVersion: 3 });
    expect(context.significantRegions).toEqual([
      expect.objectContaining({ labelKey: 'liver_lesion', box: { min: [78, 52, 15], max: [92, 68, 17] }, note: 'Rim enhancement: needs an expert opinion', version: 1 }),
      expect.objectContaining({ labelKey: 'liver', box: { min: [34, 34, 26], max: [46, 46, 26] }, note: 'Liver added at the dome', version: 3 }),
    ]);
    expect(context.significantRegions[0]!.markedBy).not.toBe(context.significantRegions[1]!.markedBy);
    await expect(expert.locator('[data-testid=stored-marks]').textContent()).resolves.toMatch(/slices 16–18[\s\S]*slices 27–27/);
    await expect(expert.locator('[data-testid=expert-labels]').textContent()).resolves.toContain('Liver lesion');
    await expect(expert.locator('[data-testid=review-history]').textContent()).resolves.toMatch(/reject[\s\S]*correct/);
    expect(await expert.locator('[data-testid=decision-reject]').count()).toBe(0);
    await expert.locator('[data-testid=stored-marks] [data-testid=go-to-mark]').first().click();
    await expert.waitForFunction(() => (window as unknown as { __delineate: Hooks }).__delineate.cursor()[2] === 16);
    await expert.screenshot({ path: screenshotPath('review-08-expert-marks') });

    // The expert widens the lesion on slice 16 (liver voxels become lesion) and saves it as a correction.
    await expert.click('[data-testid=label-liver_lesion]');
    await expert.click('[data-testid=tool-brush]');
    await paintBlob(expert, 85, 60, 6);
    await expert.waitForSelector('[data-testid=correction][data-source=local]');
    const local = (await hooks(expert, (d) => d.correctionCounts()))!;
    expect(local.added + local.relabelled).toBeGreaterThan(10);
    await expert.click('[data-testid=save]');
    await expert.waitForSelector('[data-testid=save-state]:has-text("version 4")');
    const revisions = (await getJson<{ version: number; source: string }[]>(expert, `/api/annotations/${annotationId}/revisions`)).body;
    expect(revisions.map((r) => [r.version, r.source])).toEqual([[1, 'human'], [2, 'human'], [3, 'correction'], [4, 'correction']]);

    const lesionItem = context.checklist.find((c) => c.key.startsWith('lesion.'))!;
    for (const c of context.checklist) await expert.click(`[data-testid="pass-${c.key}"]`);
    await expert.click(`[data-testid="fail-${lesionItem.key}"]`);
    await expert.selectOption(`[data-testid="error-type-${lesionItem.key}"]`, 'under_segmentation');
    await expert.click('[data-testid=decision-correct]');
    await expert.click('[data-testid=submit-review]');
    await expert.waitForSelector('[data-testid=signature-dialog]');
    await expert.click('[data-testid=sign-with-totp]');
    // The next time step: the sign-in spent the current one.
    await expert.fill('[data-testid=signature-secret]', totp(expertSecret, Date.now() + 30_000));
    await expert.click('[data-testid=sign]');
    await expert.waitForSelector('[data-testid=signed-at]');
    const history = (await getJson<Context>(expert, `/api/workflow/tasks/${expertTaskId}/review-context`)).body.history;
    expect(history.map((h) => `${h.stage}:${h.decision}`)).toEqual(['review:reject', 'review:correct', 'expert_review:correct']);
    expect(history[2]).toMatchObject({ reviewedVersion: 3, correctedVersion: 4, failedItems: [expect.objectContaining({ itemKey: lesionItem.key, errorType: 'under_segmentation' })] });
    expect(await expert.getAttribute('[data-testid=signed-at]', 'data-signed-at')).toBe(history[2]!.signedAt);
    // The overlay shown after signing is the server's, and its counts are the stored correction.
    await expert.waitForSelector('[data-testid=correction][data-source=server]');
    const overlay = await fetchVolume(expert, `/api/workflow/tasks/${expertTaskId}/correction-overlay`, voxels);
    expect(Number(await expert.getAttribute('[data-testid=correction]', 'data-added')) + Number(await expert.getAttribute('[data-testid=correction]', 'data-relabelled') ?? 0)).toBe(count(overlay, 1) + count(overlay, 3));
    const sizes = history[2]!.correctionSizes;
    expect(sizes.reduce((n, c) => n + c.voxelsAdded, 0)).toBeGreaterThan(0);
    expect((await getJson<Task>(expert, `/api/workflow/tasks/${expertTaskId}`)).body.status).toBe('done');
    // The session still works after the TOTP signature rotated its token.
    expect((await getJson<{ username: string }>(expert, '/api/auth/session')).body.username).toBe('demo.expert');
    await expert.screenshot({ path: screenshotPath('review-09-expert-signed') });
  }, 120_000);
});
