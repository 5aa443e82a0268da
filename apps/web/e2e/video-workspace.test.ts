import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { maskOfRuns } from '@delineate/core';
import { apiUser } from './api-user';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, screenshotPath, signIn, startDemoServer, type RunningServer } from './harness';

/**
 * The endoscopy video workspace in Chromium (issue 21): the synthetic clip is uploaded through the
 * API and passes the video gate; the annotator steps frame by frame with the arrow keys, paints
 * the polyp on two keyframes, marks them, asks for interpolation between them, and an
 * interpolated frame's stored mask lies between the keyframes'. The page's frame count is the
 * decoder's (`ffprobe -count_frames`), not the container's estimate.
 */
const run = browserAvailable() ? describe : describe.skip;

interface PolypPath {
  start: { x: number; y: number; radius: number };
  end: { x: number; y: number; radius: number };
}
type ClipMaker = (options: { path: string; width: number; height: number; seconds: number; framesPerSecond: number; keyFrameInterval: number }) => Promise<PolypPath>;
/** The worker's synthetic clip maker, loaded at run time: the e2e project does not compile the worker's sources. */
async function clipMaker(): Promise<ClipMaker> {
  const module = (await import(new URL('../../worker/src/video/synthetic-clip.ts', import.meta.url).href)) as { writeSyntheticClip: ClipMaker };
  return module.writeSyntheticClip;
}
const W = 320;
const H = 240;
const SECONDS = 2;
const FPS = 10;

function centroid(runs: number[]): [number, number] {
  const decoded = maskOfRuns(runs, W * H);
  if (!decoded.ok) throw new Error(decoded.reason);
  let sx = 0;
  let sy = 0;
  let n = 0;
  decoded.mask.forEach((v, i) => {
    if (!v) return;
    sx += i % W;
    sy += Math.floor(i / W);
    n++;
  });
  return [sx / n, sy / n];
}

run('endoscopy video workspace in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let itemId = '';
  let decodedFrames = 0;
  let polyp: PolypPath;

  beforeAll(async () => {
    await ensureWebBuilt();
    dir = await mkdtemp(join(tmpdir(), 'dln-video-e2e-'));
    const clip = join(dir, 'scope.mp4');
    polyp = await (await clipMaker())({ path: clip, width: W, height: H, seconds: SECONDS, framesPerSecond: FPS, keyFrameInterval: 5 });
    const probe = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', clip], { encoding: 'utf8' });
    decodedFrames = Number(probe.stdout.trim());
    expect(decodedFrames).toBeGreaterThan(10);
    server = await startDemoServer({ slices: 8, size: 64 });
    const admin = await apiUser(server.url, 'demo.projectadmin', server.passwords.get('demo.projectadmin')!);
    const project = (await admin.ok('GET', '/api/projects')).projects.find((p: { modality: string }) => p.modality === 'CT');
    await admin.ok('PUT', `/api/projects/${project.id}/accepted-modalities`, { modalities: ['CT', 'ES'] });
    const bytes = new Uint8Array(readFileSync(clip));
    const batch = await admin.ok('POST', `/api/projects/${project.id}/uploads`);
    const file = await admin.ok('POST', `/api/upload-batches/${batch.id}/files`, { name: 'scope.mp4', size: bytes.length });
    await admin.ok('PATCH', `/api/upload-files/${file.id}?offset=0&complete=true`, bytes);
    await admin.ok('POST', `/api/upload-batches/${batch.id}/close`);
    for (let i = 0; i < 240; i++) {
      const status = await admin.ok('GET', `/api/upload-batches/${batch.id}`);
      const state = status.files[0].state;
      if (state === 'passed') break;
      if (state === 'rejected' || state === 'quarantined') throw new Error(`The clip did not pass the gate: ${JSON.stringify(status.files[0])}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const items = (await admin.ok('GET', `/api/projects/${project.id}/items/names`)).items as { id: string; kind: string }[];
    itemId = items.find((i) => i.kind === 'frame_range')!.id;
    ({ browser } = await launchBrowser());
    page = await (await newContext(browser)).newPage();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Where the polyp is at a frame, in page pixels over the mask canvas. */
  async function polypOnPage(frame: number): Promise<{ x: number; y: number }> {
    const t = frame / FPS / SECONDS;
    const x = polyp.start.x + (polyp.end.x - polyp.start.x) * t;
    const y = polyp.start.y + (polyp.end.y - polyp.start.y) * t;
    const box = (await page.locator('canvas[aria-label="Mask on this frame"]').boundingBox())!;
    return { x: box.x + (x / W) * box.width, y: box.y + (y / H) * box.height };
  }

  async function step(key: 'ArrowRight' | 'ArrowLeft', times: number, expected: number): Promise<void> {
    for (let i = 0; i < times; i++) await page.keyboard.press(key);
    await page.getByText(`Frame ${expected + 1} of ${decodedFrames}`).waitFor();
  }

  async function paintPolyp(frame: number): Promise<void> {
    const at = await polypOnPage(frame);
    await page.mouse.move(at.x - 6, at.y);
    await page.mouse.down();
    for (const [dx, dy] of [[6, -6], [6, 6], [-6, 6], [0, 0]] as const) await page.mouse.move(at.x + dx, at.y + dy, { steps: 3 });
    await page.mouse.up();
  }

  it('shows the decoded frame count, marks the polyp on two keyframes and interpolates between them', async () => {
    await signIn(page, server.url, 'demo.annotator', server.passwords.get('demo.annotator')!);
    await page.goto(`${server.url}/#/items/${itemId}`);
    await page.getByText(`Frame 1 of ${decodedFrames}`).waitFor({ timeout: 60_000 });
    await page.getByText('Not in view').waitFor();
    // One set of save controls: the viewer's keyframe saving, none from the shell.
    expect(await page.getByRole('button', { name: 'Mark keyframe' }).count()).toBe(1);
    expect(await page.locator('[data-testid=save], [data-testid=save-state]').count()).toBe(0);

    await step('ArrowRight', 2, 2);
    await paintPolyp(2);
    await page.getByRole('button', { name: 'Mark keyframe' }).click();
    await page.getByText('Keyframe saved at frame 3').waitFor();
    await step('ArrowRight', 10, 12);
    await paintPolyp(12);
    await page.getByRole('button', { name: 'Mark keyframe' }).click();
    await page.getByText('Keyframe saved at frame 13').waitFor();
    await step('ArrowLeft', 10, 2);
    await page.getByRole('button', { name: 'Interpolate to next keyframe' }).click();
    await page.getByText('Interpolated from frame 3 to the next keyframe').waitFor();
    await page.screenshot({ path: screenshotPath('video-01-interpolated') });

    const tracks = await page.evaluate(async (id) => (await fetch(`/api/videos/${id}/tracks`)).json(), itemId);
    expect(tracks).toHaveLength(1);
    const frames = tracks[0].frames as { frame: number; status: { state: string }; runs: number[] }[];
    expect(frames.map((f) => f.status.state)).toEqual(['keyframe', ...Array(9).fill('interpolated'), 'keyframe']);
    const [a, middle, b] = [2, 7, 12].map((n) => centroid(frames.find((f) => f.frame === n)!.runs));
    expect(middle![0]).toBeGreaterThan(Math.min(a![0], b![0]));
    expect(middle![0]).toBeLessThan(Math.max(a![0], b![0]));
    expect(b![0] - a![0]).toBeGreaterThan(20);
    expect(await page.locator('[data-testid=video-frame-position]').textContent()).toBe(`Frame 3 of ${decodedFrames}`);
  }, 180_000);
});
