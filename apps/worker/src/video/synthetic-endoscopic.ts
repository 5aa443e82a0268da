import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeVideoEndoscopic } from '@delineate/formats';
import { ffprobeDecodedFrames, runTool } from './ffmpeg';
import { writeSyntheticClip, type PolypPath } from './synthetic-clip';

export interface SyntheticEndoscopicOptions {
  readonly width?: number;
  readonly height?: number;
  readonly seconds?: number;
  readonly framesPerSecond?: number;
  /** Text burned into the frames (the overlay variant: a scope's patient ID and date). */
  readonly overlay?: string;
  /** Number of Frames to write instead of the decoded count (a header that lies). */
  readonly claimedFrames?: number;
  /** `annexb` (default): the H.264 elementary stream, as PS3.5 §8.2.8 says; `mp4`: a whole MP4 file, as some devices store. */
  readonly payload?: 'annexb' | 'mp4';
  readonly seed?: string;
}

export interface SyntheticEndoscopic {
  readonly bytes: Uint8Array;
  readonly decodedFrames: number;
  readonly polyp: PolypPath;
}

/**
 * A DICOM Video Endoscopic instance made from the synthetic clip: ffmpeg encodes the clip as
 * H.264 (High profile) and the elementary stream becomes the one fragment of the Pixel Data.
 */
export async function syntheticVideoEndoscopic(options: SyntheticEndoscopicOptions = {}): Promise<SyntheticEndoscopic> {
  const work = await mkdtemp(join(tmpdir(), 'delineate-synthetic-es-'));
  try {
    const width = options.width ?? 320;
    const height = options.height ?? 240;
    const framesPerSecond = options.framesPerSecond ?? 25;
    const clip = join(work, 'clip.mp4');
    const polyp = await writeSyntheticClip({ path: clip, width, height, seconds: options.seconds ?? 2, framesPerSecond, ...(options.overlay ? { overlay: options.overlay } : {}) });
    let streamPath = clip;
    if (options.payload !== 'mp4') {
      streamPath = join(work, 'clip.h264');
      await runTool('ffmpeg', ['-v', 'error', '-y', '-i', clip, '-map', '0:v:0', '-c:v', 'copy', '-bsf:v', 'h264_mp4toannexb', '-f', 'h264', streamPath]);
    }
    const decodedFrames = await ffprobeDecodedFrames(clip);
    const bytes = writeVideoEndoscopic({
      stream: new Uint8Array(await readFile(streamPath)),
      columns: width,
      rows: height,
      numberOfFrames: options.claimedFrames ?? decodedFrames,
      framesPerSecond,
      seed: options.seed ?? `synthetic-endoscopy/${options.overlay ?? 'clean'}/${options.payload ?? 'annexb'}`,
      burnedInAnnotation: Boolean(options.overlay),
    });
    return { bytes, decodedFrames, polyp };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
