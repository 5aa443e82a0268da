import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DelineateError, type VideoFrame } from '@delineate/schema';
import { runTool } from './ffmpeg';
import { keyFrameFlags, type VideoProbe } from './probe';

/** A rectangle blacked out before anything else sees the frames; without `frame`, over the whole clip; with `lastFrame`, from `frame` to it. */
export interface BlackedRegion {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly frame?: number | undefined;
  readonly lastFrame?: number | undefined;
}

/** Whether a rectangle blacks out the frame at a table index. */
export function blacksOut(region: BlackedRegion, index: number): boolean {
  if (region.frame === undefined) return true;
  return index >= region.frame && index <= (region.lastFrame ?? region.frame);
}

function enableOn(region: BlackedRegion): string {
  if (region.frame === undefined) return '';
  return region.lastFrame === undefined ? `:enable='eq(n\\,${region.frame})'` : `:enable='between(n\\,${region.frame}\\,${region.lastFrame})'`;
}

export interface DecodedVideo {
  /** The frame table: one entry per decoded frame, in presentation order; its index addresses the frame. */
  readonly frames: readonly VideoFrame[];
  readonly thumbnails: readonly { frameIndex: number; path: string }[];
  /** Full-size grey frames for the OCR stage: about one a second, plus the last frame. */
  readonly samples: readonly { frameIndex: number; width: number; height: number; data: Uint8Array }[];
  readonly proxyPath: string;
  readonly proxyWidth: number;
  readonly proxyHeight: number;
}

export const PROXY_MAX_WIDTH = 1280;
export const PROXY_MAX_HEIGHT = 720;
export const THUMBNAIL_WIDTH = 160;

/** Frames between samples: about one a second (table indices, so sampling never depends on timestamps). */
export function sampleStride(framesPerSecond: number): number {
  return Math.max(1, Math.round(framesPerSecond));
}

function drawboxes(regions: readonly BlackedRegion[]): string {
  return regions
    .map((r) => `drawbox=x=${r.x}:y=${r.y}:w=${r.width}:h=${r.height}:color=black:t=fill${enableOn(r)}`)
    .map((f) => `${f},`)
    .join('');
}

/**
 * The arguments of the one decoding pass: the source is decoded once and split four ways (frame
 * hashes, thumbnails, OCR samples, proxy). Exported so the benchmark can run plain ffmpeg on
 * exactly the same work.
 */
export function decodeArguments(source: string, work: string, probe: VideoProbe, regions: readonly BlackedRegion[] = []): string[] {
  const stride = sampleStride(probe.framesPerSecond);
  const every = `select='not(mod(n\\,${stride}))'`;
  const graph = [
    `[0:v]${drawboxes(regions)}split=4[hash][thumb][ocr][proxy]`,
    `[thumb]${every},scale=${THUMBNAIL_WIDTH}:-2[thumbs]`,
    `[ocr]${every},format=gray[samples]`,
    `[proxy]scale=w='min(iw,${PROXY_MAX_WIDTH})':h='min(ih,${PROXY_MAX_HEIGHT})':force_original_aspect_ratio=decrease:force_divisible_by=2,format=yuv420p[playable]`,
  ].join(';');
  return [
    '-v', 'error', '-nostdin', '-y', ...probe.input, '-i', source, '-filter_complex', graph,
    '-map', '[hash]', '-fps_mode', 'passthrough', '-enc_time_base', '-1', '-f', 'framehash', '-hash', 'sha256', join(work, 'frames.txt'),
    '-map', '[thumbs]', '-fps_mode', 'passthrough', '-q:v', '5', join(work, 'thumb-%06d.jpg'),
    '-map', '[samples]', '-fps_mode', 'passthrough', '-f', 'rawvideo', join(work, 'samples.gray'),
    '-map', '[playable]', '-fps_mode', 'passthrough', '-enc_time_base', '-1', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23',
    '-map_metadata', '-1', '-map_chapters', '-1', '-movflags', '+faststart', join(work, 'proxy.mp4'),
  ];
}

/** The framehash lines: pts and SHA-256 of each decoded frame, in output (presentation) order. */
export function parseFrameHashes(text: string): { pts: number; sha256: string }[] {
  const rows: { pts: number; sha256: string }[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cells = line.split(',').map((c) => c.trim());
    const pts = Number(cells[2]);
    const sha256 = cells[5] ?? '';
    if (!Number.isFinite(pts) || !/^[0-9a-f]{64}$/.test(sha256)) throw new DelineateError('DLN_VIDEO_UNREADABLE', 'The decoded frame table could not be read');
    rows.push({ pts, sha256 });
  }
  return rows;
}

async function lastFrameGrey(source: string, work: string, probe: VideoProbe, regions: readonly BlackedRegion[], lastIndex: number): Promise<Uint8Array> {
  // Only the final second is decoded again (from its key frame), not the clip; a bare stream
  // cannot seek from its end, so it is decoded again keeping only the last frame.
  const out = join(work, 'last.gray');
  const boxes = drawboxes(regions.filter((r) => blacksOut(r, lastIndex)).map(({ frame: _f, lastFrame: _l, ...r }) => r));
  const seek = probe.input.length > 0 ? [...probe.input, '-i', source, '-vf', `select='eq(n\\,${lastIndex})',${boxes}format=gray`] : ['-sseof', '-1', '-i', source, '-vf', `${boxes}format=gray`];
  await runTool('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...seek, '-fps_mode', 'passthrough', '-update', '1', '-f', 'image2', '-c:v', 'rawvideo', out]);
  const bytes = new Uint8Array(await readFile(out));
  if (bytes.length !== probe.width * probe.height) throw new DelineateError('DLN_VIDEO_UNREADABLE', 'The last frame could not be decoded');
  return bytes;
}

async function proxySize(path: string): Promise<[number, number]> {
  const { stdout } = await runTool('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', path]);
  const [w, h] = stdout.trim().split(',').map(Number);
  if (!w || !h) throw new DelineateError('DLN_VIDEO_UNREADABLE', 'The playable copy could not be made');
  return [w, h];
}

/**
 * Decodes the clip once into its frame table, thumbnails, OCR samples and browser proxy. A decoder
 * error anywhere (a truncated or damaged file) refuses the whole clip: a frame table with holes
 * would address the wrong frames.
 */
export async function decodeVideo(source: string, work: string, probe: VideoProbe, regions: readonly BlackedRegion[] = []): Promise<DecodedVideo> {
  const errors: string[] = [];
  const [keys] = await Promise.all([
    keyFrameFlags(source, probe.input),
    runTool('ffmpeg', decodeArguments(source, work, probe, regions), { onStderrLine: (line) => line.trim() && errors.push(line) }),
  ]);
  // A decoder complaint means frames were lost or damaged; the message itself is not passed on.
  if (errors.length > 0) throw new DelineateError('DLN_VIDEO_TRUNCATED', 'The video is truncated or damaged: some frames could not be decoded');
  const hashes = parseFrameHashes(await readFile(join(work, 'frames.txt'), 'utf8'));
  if (hashes.length === 0) throw new DelineateError('DLN_VIDEO_UNREADABLE', 'No frame of the video could be decoded');
  const [num, den] = probe.timeBase;
  const frames: VideoFrame[] = hashes.map((h, index) => ({ index, pts: h.pts, timeSeconds: (h.pts * num) / den, keyFrame: keys(h.pts, index), sha256: h.sha256 }));
  for (let i = 1; i < frames.length; i++) {
    if (frames[i]!.pts <= frames[i - 1]!.pts) throw new DelineateError('DLN_VIDEO_UNSUPPORTED', 'The video has frames without increasing presentation timestamps');
  }
  const stride = sampleStride(probe.framesPerSecond);
  const thumbFiles = (await readdir(work)).filter((f) => f.startsWith('thumb-')).sort();
  const thumbnails = thumbFiles.map((f, n) => ({ frameIndex: n * stride, path: join(work, f) }));
  const frameBytes = probe.width * probe.height;
  const samplesPath = join(work, 'samples.gray');
  const sampleCount = Math.floor((await stat(samplesPath)).size / frameBytes);
  const samples: { frameIndex: number; width: number; height: number; data: Uint8Array }[] = [];
  const handle = await open(samplesPath);
  try {
    for (let n = 0; n < sampleCount; n++) {
      const data = new Uint8Array(frameBytes);
      await handle.read(data, 0, frameBytes, n * frameBytes);
      samples.push({ frameIndex: n * stride, width: probe.width, height: probe.height, data });
    }
  } finally {
    await handle.close();
  }
  const lastIndex = frames.length - 1;
  if (samples.at(-1)?.frameIndex !== lastIndex) samples.push({ frameIndex: lastIndex, width: probe.width, height: probe.height, data: await lastFrameGrey(source, work, probe, regions, lastIndex) });
  const proxyPath = join(work, 'proxy.mp4');
  const [proxyWidth, proxyHeight] = await proxySize(proxyPath);
  return { frames, thumbnails, samples, proxyPath, proxyWidth, proxyHeight };
}
