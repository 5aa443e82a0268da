import { spawn } from 'node:child_process';
import { DelineateError } from '@delineate/schema';

export interface ToolRun {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs ffmpeg or ffprobe with arguments (never through a shell) and collects its output. A
 * missing binary, a non-zero exit and a timeout become coded errors; the tool's own message is
 * never passed on, since it names the input's path and may quote its metadata.
 */
export function runTool(tool: 'ffmpeg' | 'ffprobe', args: readonly string[], options: { timeoutMs?: number; onStderrLine?: (line: string) => void } = {}): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (options.onStderrLine) {
        pending += text;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) options.onStderrLine(line);
      } else if (err.length < 1 << 20) err += text;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new DelineateError('DLN_VIDEO_DECODE_TIMEOUT', 'Decoding the video took too long'));
    }, options.timeoutMs ?? 30 * 60_000);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' ? new DelineateError('DLN_VIDEO_TOOL_MISSING', `${tool} is not installed on this worker`) : new DelineateError('DLN_VIDEO_UNREADABLE', 'The video could not be read'));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (pending && options.onStderrLine) options.onStderrLine(pending);
      if (code === 0) resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: err });
      else reject(new DelineateError('DLN_VIDEO_UNREADABLE', 'The video could not be decoded'));
    });
  });
}

/** The frames ffprobe counts by decoding every packet (`-count_frames`): the reference the frame table must equal. */
export async function ffprobeDecodedFrames(path: string): Promise<number> {
  const { stdout } = await runTool('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', path]);
  return Number(stdout.trim().split(/[\s,]/)[0]);
}
