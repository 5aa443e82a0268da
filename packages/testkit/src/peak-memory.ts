import { readFileSync, writeFileSync } from 'node:fs';

/** What a step did to this process's resident memory: where it started and its peak, in bytes. */
export interface StepMemory {
  readonly startRss: number;
  readonly peakRss: number;
  /** peakRss − startRss: what the step itself added at its worst. */
  readonly growth: number;
}

function statusKiB(field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!match) throw new Error(`/proc/self/status has no ${field}`);
  return Number(match[1]);
}

/**
 * Runs `step` and measures its own peak resident memory: the process's high-water mark is reset
 * to its current size first (Linux: `5` to /proc/self/clear_refs), so what the process reached
 * before (the test runner, an earlier compile of a database's WebAssembly) does not count.
 * Undefined where the kernel offers no reset (not Linux); callers then bound the lifetime peak.
 */
export async function stepMemory<T>(step: () => Promise<T>): Promise<{ result: T; memory: StepMemory | undefined }> {
  let resettable = process.platform === 'linux';
  if (resettable) {
    try {
      writeFileSync('/proc/self/clear_refs', '5');
    } catch {
      resettable = false;
    }
  }
  const startRss = resettable ? statusKiB('VmRSS') * 1024 : 0;
  const result = await step();
  if (!resettable) return { result, memory: undefined };
  const peakRss = statusKiB('VmHWM') * 1024;
  return { result, memory: { startRss, peakRss, growth: peakRss - startRss } };
}
