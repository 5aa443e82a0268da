import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createOcrEngine, defaultPixelPolicy, findBurnedInWords } from '@delineate/deid';
import { apiUser } from './api-user';
import { browserAvailable, ensureWebBuilt, launchBrowser, newContext, screenshotPath, signIn, startDemoServer, type RunningServer } from './harness';

/**
 * A held endoscopy video on the data steward's pages in chromium (issue 21), through the real
 * server, worker (ffmpeg, OCR, the DICOM gate) and store: a DICOM Video Endoscopic instance whose
 * overlay carries a patient ID is ingested and held; the steward finds it in the queue with its
 * reason in words, steps its frames with the detected text drawn where it was found, draws a
 * rectangle over the overlay for the whole clip, runs the gate again until it passes, and
 * releases it. The released clip's frame count is the decoder's, and the OCR stage reads nothing
 * on its frames.
 */
const run = browserAvailable() ? describe : describe.skip;

type EndoscopicMaker = (options: { overlay?: string; seconds?: number; seed?: string }) => Promise<{ bytes: Uint8Array; decodedFrames: number }>;
/** The worker's DICOM video maker, loaded at run time: the e2e project does not compile the worker's sources. */
async function endoscopicMaker(): Promise<EndoscopicMaker> {
  const module = (await import(new URL('../../worker/src/video/synthetic-endoscopic.ts', import.meta.url).href)) as { syntheticVideoEndoscopic: EndoscopicMaker };
  return module.syntheticVideoEndoscopic;
}

/** The ingest route's batch format: each file as a 4-byte big-endian length and its bytes. */
function fileBatch(files: readonly Uint8Array[]): Uint8Array {
  const parts = files.flatMap((f) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(f.length);
    return [length, Buffer.from(f)];
  });
  return new Uint8Array(Buffer.concat(parts));
}

/** Words the OCR stage reads on a released frame, whatever their contrast: stricter than the gate, which also asks for glyph contrast. */
const anyContrast = { ...defaultPixelPolicy, minGlyphContrast: 0 };

const W = 320;
const H = 240;

run('a held endoscopy video for the data steward in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let decodedFrames = 0;
  let admin: Awaited<ReturnType<typeof apiUser>>;

  beforeAll(async () => {
    await ensureWebBuilt();
    dir = await mkdtemp(join(tmpdir(), 'dln-steward-video-'));
    const made = await (await endoscopicMaker())({ overlay: 'ID 83746251 2024-03-01', seconds: 2, seed: 'steward-video-e2e' });
    decodedFrames = made.decodedFrames;
    server = await startDemoServer({ slices: 8, size: 32 });
    ({ browser } = await launchBrowser());
    page = await (await newContext(browser)).newPage();
    admin = await apiUser(server.url, 'demo.projectadmin', server.passwords.get('demo.projectadmin')!);
    const project = (await admin.ok('GET', '/api/projects')).projects.find((p: { modality: string }) => p.modality === 'CT');
    await admin.ok('PUT', `/api/projects/${project.id}/accepted-modalities`, { modalities: ['CT', 'ES'] });
    const report = await admin.ok('POST', `/api/projects/${project.id}/ingest`, fileBatch([made.bytes]));
    expect(report).toMatchObject({ quarantined: 1, passed: 0 });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('holds the clip, lets the steward black out its overlay over the whole clip, and releases it with no text left to read', async () => {
    await signIn(page, server.url, 'demo.steward', server.passwords.get('demo.steward')!);
    await page.click('[data-testid=nav-quarantine]');
    await page.waitForSelector('[data-testid=quarantine-row]');
    const reason = (await page.textContent('[data-testid=quarantine-reason]'))!;
    expect(reason).toContain('Text burned into the image');
    expect(reason).not.toMatch(/DLN_|burned-in-text|83746251/);

    await page.click('[data-testid=open-held-file]');
    await page.waitForSelector('[data-testid=quarantine-record][data-status=held]');
    await expect(page.textContent('[data-testid=held-file-kind]')).resolves.toBe(`Endoscopy video, ${W} × ${H}, ${decodedFrames} decoded frames (25 a second), from a DICOM video`);
    await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>('[data-testid=held-video]')?.readyState ?? 0) >= 2, undefined, { timeout: 60_000 });
    // The OCR's text regions are drawn on the sampled frames where they were found (frame 1, 26, …), not on the frames between.
    expect(await page.locator('[data-testid=detected-region]').count()).toBeGreaterThan(0);
    await page.click('[data-testid=held-next-frame]');
    await expect(page.textContent('[data-testid=held-frame-position]')).resolves.toContain(`Frame 2 of ${decodedFrames}`);
    expect(await page.locator('[data-testid=detected-region]').count()).toBe(0);
    await page.click('[data-testid=held-previous-frame]');
    expect(await page.locator('[data-testid=detected-region]').count()).toBeGreaterThan(0);
    // No header value reaches the page: only the pixels can show the overlay.
    expect((await page.textContent('body'))!).not.toMatch(/\^|SYN-ENDO|Synthetic\^Endoscopy/);
    await page.screenshot({ path: screenshotPath('steward-video-held'), fullPage: true });

    // A rectangle over the overlay band from its lower right corner to beyond the top left (it stops at the edge), for the whole clip.
    const overlay = page.locator('[data-testid=redaction-overlay]');
    await overlay.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    const box = (await overlay.boundingBox())!;
    const at = (p: { x: number; y: number }) => ({ x: box.x + (p.x / W) * box.width, y: box.y + (p.y / H) * box.height });
    const [a, b] = [at({ x: 319.6, y: 33.6 }), at({ x: -10, y: -10 })];
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 4 });
    await page.mouse.move(b.x, b.y, { steps: 4 });
    await page.mouse.up();
    await expect(page.textContent('[data-testid=rectangle-item]')).resolves.toMatch(/^3(19|20) × 34 pixels at 0, 0, on every frame/);
    await page.screenshot({ path: screenshotPath('steward-video-redaction'), fullPage: true });

    await page.click('[data-testid=run-gate]');
    await page.waitForSelector('[data-testid=gate-result]');
    await page.waitForSelector('[data-testid=gate-result][data-state=passes]', { timeout: 300_000 });
    await page.fill('#release-note', 'Scope overlay blacked out over the whole clip');
    await page.click('[data-testid=release]');
    await page.waitForSelector('[data-testid=released-item]', { timeout: 300_000 });
    await expect(page.getAttribute('[data-testid=quarantine-record]', 'data-status')).resolves.toBe('released');
    await page.waitForSelector('[data-testid=quarantine-empty]');
    await page.screenshot({ path: screenshotPath('steward-video-released'), fullPage: true });

    // The released item is the video: frames by the decoded table, and OCR reads nothing on its frames.
    const href = (await page.getAttribute('[data-testid=released-item]', 'href'))!;
    const itemId = /items\/([0-9a-f-]{36})/.exec(href)![1]!;
    // Read as an annotator of the project: images are theirs to read, not the administrator's.
    const annotator = await apiUser(server.url, 'demo.annotator', server.passwords.get('demo.annotator')!);
    const video = await annotator.ok('GET', `/api/videos/${itemId}`);
    expect(video.frameCount).toBe(decodedFrames);
    const released = join(dir, 'released.mp4');
    await writeFile(released, await annotator.bytes(`/api/videos/${itemId}/proxy.mp4`));
    const ocr = createOcrEngine();
    try {
      let words = 0;
      for (const frame of [0, 25, decodedFrames - 1]) {
        const out = join(dir, `frame-${frame}.gray`);
        const done = spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', released, '-vf', `select=eq(n\\,${frame}),format=gray`, '-frames:v', '1', '-f', 'rawvideo', out]);
        expect(done.status).toBe(0);
        words += (await findBurnedInWords(ocr, { width: W, height: H, data: new Uint8Array(await readFile(out)) }, anyContrast)).length;
      }
      expect(words).toBe(0);
    } finally {
      await ocr.close();
    }
  }, 900_000);
});
