import { spawn } from 'node:child_process';
import { DelineateError } from '@delineate/schema';

export interface ToolRun {
  readonly command: string;
  readonly args: readonly string[];
  readonly timeoutMs: number;
  /** Each line (or carriage-return-separated update) the tool prints on stdout. */
  readonly onLine?: (line: string) => void;
  /** Keep stdout (bounded) for parsing. */
  readonly keepStdout?: boolean;
}

const MAX_KEPT = 1024 * 1024;

/**
 * Runs a slide tool as a child process without a shell (so no file name is ever interpreted),
 * killed when it overruns its time. Its output is never put into an error: a tool may echo
 * metadata from the slide, which can identify a patient.
 */
export function runTool(run: ToolRun): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.command, [...run.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let pending = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, run.timeoutMs);
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => {
      if (run.keepStdout && stdout.length < MAX_KEPT) stdout += chunk;
      if (!run.onLine) return;
      pending += chunk;
      const parts = pending.split(/[\r\n]/);
      pending = parts.pop() ?? '';
      for (const line of parts) if (line) run.onLine(line);
    });
    // Drained so the tool never blocks on a full pipe; not kept (it may quote the slide).
    child.stderr.resume();
    child.on('error', () => {
      clearTimeout(timer);
      reject(new DelineateError('DLN_SLIDE_CONVERSION_FAILED', `The slide tool ${run.command} could not be started`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) reject(new DelineateError('DLN_SLIDE_CONVERSION_TIMEOUT', `The slide tool ${run.command} did not finish in ${Math.round(run.timeoutMs / 1000)} s`));
      else if (code !== 0) reject(new DelineateError('DLN_SLIDE_CONVERSION_FAILED', `The slide tool ${run.command} could not read or convert the slide`));
      else resolve(stdout);
    });
  });
}
