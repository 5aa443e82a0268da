import { spawnSync } from 'node:child_process';

let available: boolean | undefined;

/** Whether Debian `plastimatch` can be run; under `CI=true` a missing tool throws, so its tests never skip in CI. */
export function plastimatchAvailable(): boolean {
  available ??= spawnSync('plastimatch', ['--version'], { encoding: 'utf8' }).error === undefined;
  if (!available && process.env.CI === 'true') throw new Error('plastimatch is missing under CI (Debian package plastimatch)');
  return available;
}

/** Runs one plastimatch command; a non-zero exit throws with its output. */
export function runPlastimatch(args: readonly string[]): string {
  const result = spawnSync('plastimatch', [...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.error) throw new Error(`plastimatch could not be run: ${result.error.message}`);
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`plastimatch ${args[0]} failed (${result.status}): ${output.slice(-2000)}`);
  return output;
}
