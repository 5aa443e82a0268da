// Endoscopy video ingest (issue 21): a 30 s 1080p synthetic clip (H.264 in MP4, 30 fps) made
// with ffmpeg's lavfi sources, ingested as the worker ingests it (`ingestVideo`: ffprobe, the one
// decoding pass into frame table, thumbnails, OCR samples and proxy, the metadata check, blobs
// and the frame table in the embedded database), against plain ffmpeg and ffprobe running the
// very same commands (`decodeArguments`, the packet listing) and nothing else, in the same run.
// The OCR of the sampled frames is timed inside the engine and reported on its own row: the
// target compares the decode-and-store path, which is what the steps name.
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOcrEngine, DerivedPseudonymMap, type OcrEngine } from '@delineate/deid';
import { BlobKey, LocalBlobStore, ProjectRepository, testing } from '@delineate/store';
import { decodeArguments } from '../apps/worker/src/video/decode';
import { runTool } from '../apps/worker/src/video/ffmpeg';
import { ingestVideo } from '../apps/worker/src/video/ingest-video';
import { probeVideo } from '../apps/worker/src/video/probe';
import { writeSyntheticClip } from '../apps/worker/src/video/synthetic-clip';
import type { BenchResult } from './types';

const SECONDS = Number(process.env.DELINEATE_BENCH_VIDEO_SECONDS ?? 30);
const TARGET_RATIO = 1.5;

/** The real OCR engine, with the time spent in it counted. */
function timedOcr(engine: OcrEngine): OcrEngine & { seconds: () => number; frames: () => number } {
  let spent = 0;
  let frames = 0;
  return {
    async findText(image) {
      const start = performance.now();
      try {
        return await engine.findText(image);
      } finally {
        spent += (performance.now() - start) / 1000;
        frames++;
      }
    },
    close: () => engine.close(),
    seconds: () => spent,
    frames: () => frames,
  };
}

export async function run(): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'dln-bench-video-'));
  const database = await testing.createTestDatabase('pglite');
  const blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
  const ocr = timedOcr(createOcrEngine());
  try {
    const source = join(dir, 'clip.mp4');
    await writeSyntheticClip({ path: source, width: 1920, height: 1080, seconds: SECONDS, framesPerSecond: 30, keyFrameInterval: 30, content: 'flat' });
    const projectId = await testing.createDemoProject(database);
    await new ProjectRepository(database.db).setAcceptedModalities(projectId, ['ES']);
    const loadBefore = loadavg()[0]!;

    const plainStart = performance.now();
    const probe = await probeVideo(source);
    const plainWork = await mkdtemp(join(dir, 'plain-'));
    await Promise.all([
      runTool('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts,flags', '-of', 'csv=p=0', source]),
      runTool('ffmpeg', decodeArguments(source, plainWork, probe)),
    ]);
    const plainSeconds = (performance.now() - plainStart) / 1000;

    const ingestStart = performance.now();
    const report = await ingestVideo({ database, blobs, clock: () => new Date() }, source, { projectId, options: new Set(), pseudonyms: new DerivedPseudonymMap(new Uint8Array(32)), ocr });
    const totalSeconds = (performance.now() - ingestStart) / 1000;
    const file = report.files[0]!;
    if (file.status !== 'passed') throw new Error(`bench clip not passed: ${file.code ?? file.status}`);
    const ingestSeconds = totalSeconds - ocr.seconds();
    const ratio = ingestSeconds / plainSeconds;
    const frames = report.videos?.[0]?.frameCount ?? 0;
    return {
      name: 'video-ingest',
      description: `Ingest of a ${SECONDS} s 1920×1080 30 fps H.264 clip (frame table with SHA-256 per decoded frame, key-frame flags, thumbnails, OCR samples, faststart H.264 proxy ≤ 1280×720, blobs and frame table stored) against plain ffmpeg/ffprobe running the same commands in the same run.`,
      rows: [
        { arm: 'plain ffmpeg + ffprobe (same commands)', seconds: plainSeconds, frames: probe.claimedFrames ?? null },
        { arm: 'delineate ingest, without OCR', seconds: ingestSeconds, frames },
        { arm: `OCR of ${ocr.frames()} sampled frames (tesseract.js)`, seconds: ocr.seconds(), frames: ocr.frames() },
      ],
      targets: [{ target: `ingest within ${TARGET_RATIO}× of ffmpeg alone`, measured: `${ratio.toFixed(2)}×`, met: ratio <= TARGET_RATIO }],
      notes: [`1-minute load average ${loadBefore.toFixed(1)} before and ${loadavg()[0]!.toFixed(1)} after (shared machine).`],
    };
  } finally {
    await ocr.close();
    await blobs.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
}
