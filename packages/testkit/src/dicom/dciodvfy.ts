import { spawnSync } from 'node:child_process';

/** What David Clunie's `dciodvfy` (Debian dicom3tools) said about one file. */
export interface DciodvfyReport {
  /** `Error - …` and `Abort - …` lines: the file is not a valid instance of its IOD. */
  errors: string[];
  warnings: string[];
  /** The IOD the tool recognised (e.g. `CTImage`), when it printed one. */
  iod: string | undefined;
  exitCode: number;
  output: string;
}

let available: boolean | undefined;

/**
 * Whether `dciodvfy` can be run. Under `CI=true` a missing tool throws, so validator tests
 * never skip silently in CI (install: `apt-get install -y dicom3tools`).
 */
export function dciodvfyAvailable(): boolean {
  available ??= spawnSync('dciodvfy', ['-h'], { encoding: 'utf8' }).error === undefined;
  if (!available && process.env.CI === 'true') {
    throw new Error('dciodvfy is missing under CI (Debian package dicom3tools)');
  }
  return available;
}

/** Validates one DICOM file against its IOD with `dciodvfy`. */
export function runDciodvfy(path: string): DciodvfyReport {
  const result = spawnSync('dciodvfy', [path], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.error) throw new Error(`dciodvfy could not be run: ${result.error.message}`);
  const output = `${result.stdout}${result.stderr}`;
  const lines = output.split('\n').map((line) => line.trim());
  return {
    errors: lines.filter((line) => line.startsWith('Error') || line.startsWith('Abort')),
    warnings: lines.filter((line) => line.startsWith('Warning')),
    iod: lines.find((line) => /^[A-Za-z0-9]+$/.test(line)),
    exitCode: result.status ?? -1,
    output,
  };
}
