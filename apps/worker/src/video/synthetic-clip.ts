import { runTool } from './ffmpeg';

/** A synthetic endoscopy clip: a moving disc (the "polyp") over a noisy mucosa-coloured texture. */
export interface SyntheticClipOptions {
  readonly path: string;
  readonly width?: number;
  readonly height?: number;
  readonly seconds?: number;
  readonly framesPerSecond?: number;
  /** Text burned into the top-left corner, as a scope's overlay shows a patient ID and date. */
  readonly overlay?: string;
  /** Encoder: H.264 in MP4 (default), or H.264 in QuickTime MOV. */
  readonly container?: 'mp4' | 'mov';
  /** Frames between key frames (default 12, so that seeking has to decode from a key frame). */
  readonly keyFrameInterval?: number;
  /**
   * `scene` (default): the polyp drawn per pixel by `geq`, exact but slow; `flat`: a flat mucosa
   * colour with no polyp, fast enough for a 30 s 1080p benchmark clip (noise and gradients at that
   * size make the OCR stage read words that are not there).
   */
  readonly content?: 'scene' | 'flat';
}

/** Where the polyp is at a time: its centre moves linearly and its radius grows linearly over the clip. */
export interface PolypPath {
  readonly start: { x: number; y: number; radius: number };
  readonly end: { x: number; y: number; radius: number };
}

export function polypPathFor(width: number, height: number): PolypPath {
  return {
    start: { x: Math.round(width * 0.3), y: Math.round(height * 0.55), radius: Math.round(Math.min(width, height) * 0.08) },
    end: { x: Math.round(width * 0.7), y: Math.round(height * 0.6), radius: Math.round(Math.min(width, height) * 0.14) },
  };
}

/** The font of burned-in overlays drawn by the project's fixtures (Debian fonts-dejavu-core). */
export const OVERLAY_FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf';

/**
 * Writes the clip with ffmpeg's lavfi sources, so no video file is kept in the repository. The
 * disc is drawn by `geq` from the clip's time, so its position in any frame is known exactly.
 */
export async function writeSyntheticClip(options: SyntheticClipOptions): Promise<PolypPath> {
  const width = options.width ?? 320;
  const height = options.height ?? 240;
  const seconds = options.seconds ?? 3;
  const fps = options.framesPerSecond ?? 25;
  const path = polypPathFor(width, height);
  const { start: a, end: b } = path;
  const f = `(T/${seconds})`;
  const cx = `(${a.x}+(${b.x - a.x})*${f})`;
  const cy = `(${a.y}+(${b.y - a.y})*${f})`;
  const r = `(${a.radius}+(${b.radius - a.radius})*${f})`;
  const inside = `lte(hypot(X-${cx},Y-${cy}),${r})`;
  const flat = options.content === 'flat';
  const filters = flat ? ['format=yuv420p'] : [
    // The texture: reddish mucosa with temporal noise; the polyp a paler disc on it.
    `geq=r='if(${inside},235,170+20*sin(X/9)*sin(Y/7))':g='if(${inside},190,80+15*sin(X/5))':b='if(${inside},160,70)'`,
    'noise=alls=12:allf=t',
  ];
  if (options.overlay) {
    const text = options.overlay.replace(/[\\':]/g, (c) => `\\${c}`);
    filters.push(`drawtext=fontfile=${OVERLAY_FONT}:text='${text}':x=6:y=6:fontsize=${Math.max(14, Math.round(height / 14))}:fontcolor=white:box=1:boxcolor=black:boxborderw=4`);
  }
  await runTool('ffmpeg', [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `color=c=${flat ? '0xaa5046' : 'black'}:s=${width}x${height}:r=${fps}:d=${seconds}`,
    '-vf', filters.join(','),
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', String(options.keyFrameInterval ?? 12), '-bf', '2',
    '-metadata', 'title=synthetic endoscopy', '-metadata', 'comment=patient 4711',
    '-f', options.container ?? 'mp4',
    options.path,
  ]);
  return path;
}
