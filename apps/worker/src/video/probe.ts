import { z } from 'zod';
import { DelineateError } from '@delineate/schema';
import { runTool } from './ffmpeg';

const ratio = z.string().regex(/^\d+\/\d+$/);
const ProbeJson = z.object({
  streams: z
    .array(
      z.object({
        codec_type: z.string(),
        codec_name: z.string().optional(),
        width: z.number().int().optional(),
        height: z.number().int().optional(),
        r_frame_rate: ratio.optional(),
        avg_frame_rate: ratio.optional(),
        time_base: ratio.optional(),
        nb_frames: z.string().optional(),
        tags: z.record(z.string(), z.string()).optional(),
      }),
    )
    .default([]),
  format: z.object({ format_name: z.string(), tags: z.record(z.string(), z.string()).optional() }).optional(),
});

/** What the container says about its first video stream; its frame count is a claim, never used to address frames. */
export interface VideoProbe {
  readonly container: string;
  readonly codec: string;
  readonly width: number;
  readonly height: number;
  readonly framesPerSecond: number;
  readonly timeBase: readonly [number, number];
  readonly claimedFrames: number | null;
  /** Names (never values) of the container's and streams' metadata tags. */
  readonly tagNames: readonly string[];
  readonly otherStreams: number;
  /**
   * ffmpeg input options the source needs before `-i`: empty for a container; for a bare H.264
   * elementary stream (a DICOM video's Pixel Data), its format and frame rate, since it carries no
   * timestamps of its own.
   */
  readonly input: readonly string[];
}

/** Input options for a bare H.264 elementary stream at a frame rate (a rational such as `25/1` or `30000/1001`). */
export function elementaryStreamInput(frameRate: string): string[] {
  return ['-f', 'h264', '-framerate', frameRate];
}

function parseRatio(value: string | undefined): [number, number] | undefined {
  if (!value) return undefined;
  const [n, d] = value.split('/').map(Number);
  return n && d ? [n, d] : undefined;
}

const MAX_DIMENSION = 8192;

export async function probeVideo(path: string, input: readonly string[] = []): Promise<VideoProbe> {
  const { stdout } = await runTool('ffprobe', ['-v', 'error', ...input, '-show_streams', '-show_format', '-of', 'json', path], { timeoutMs: 60_000 });
  let json: z.infer<typeof ProbeJson>;
  try {
    json = ProbeJson.parse(JSON.parse(stdout));
  } catch {
    throw new DelineateError('DLN_VIDEO_UNREADABLE', 'The video container could not be read');
  }
  const video = json.streams.find((s) => s.codec_type === 'video');
  if (!video || !video.width || !video.height) throw new DelineateError('DLN_VIDEO_UNSUPPORTED', 'The file has no video stream');
  if (video.width > MAX_DIMENSION || video.height > MAX_DIMENSION) throw new DelineateError('DLN_VIDEO_TOO_LARGE', `The video is larger than ${MAX_DIMENSION} pixels across`);
  const rate = parseRatio(video.avg_frame_rate) ?? parseRatio(video.r_frame_rate);
  const timeBase = parseRatio(video.time_base);
  if (!rate || !timeBase) throw new DelineateError('DLN_VIDEO_UNSUPPORTED', 'The video stream has no frame rate or time base');
  const claimed = video.nb_frames ? Number(video.nb_frames) : NaN;
  const tagNames = new Set<string>();
  for (const name of Object.keys(json.format?.tags ?? {})) tagNames.add(`format.${name}`);
  for (const s of json.streams) for (const name of Object.keys(s.tags ?? {})) tagNames.add(`stream.${name}`);
  return {
    container: json.format?.format_name ?? 'unknown',
    codec: video.codec_name ?? 'unknown',
    width: video.width,
    height: video.height,
    framesPerSecond: rate[0] / rate[1],
    timeBase,
    claimedFrames: Number.isFinite(claimed) && claimed > 0 ? claimed : null,
    tagNames: [...tagNames].sort(),
    otherStreams: json.streams.length - 1,
    input,
  };
}

/** Whether the frame at a table index (with its pts) is a key frame. */
export type KeyFrameFlags = (pts: number, index: number) => boolean;

/**
 * Key-frame flags: for a container by presentation timestamp, from the packets (read without
 * decoding). A bare elementary stream has no packet timestamps, so its decoded frames' flags are
 * read in presentation order instead (a second decode, paid only by DICOM video).
 */
export async function keyFrameFlags(path: string, input: readonly string[] = []): Promise<KeyFrameFlags> {
  if (input.length > 0) {
    const { stdout } = await runTool('ffprobe', ['-v', 'error', ...input, '-select_streams', 'v:0', '-show_entries', 'frame=key_frame', '-of', 'csv=p=0', path], { timeoutMs: 10 * 60_000 });
    const flags = stdout.split('\n').filter((l) => l.trim()).map((l) => l.startsWith('1'));
    return (_pts, index) => flags[index] === true;
  }
  const keys = await keyFramePts(path);
  return (pts) => keys.has(pts);
}

/** Key-frame presentation timestamps of a container, from its packets. */
export async function keyFramePts(path: string): Promise<Set<number>> {
  const { stdout } = await runTool('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts,flags', '-of', 'csv=p=0', path], { timeoutMs: 10 * 60_000 });
  const keys = new Set<number>();
  for (const line of stdout.split('\n')) {
    const [pts, flags] = line.split(',');
    if (pts && flags?.startsWith('K')) keys.add(Number(pts));
  }
  return keys;
}
