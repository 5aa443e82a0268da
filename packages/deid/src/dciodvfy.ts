import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DelineateError } from '@delineate/schema';

/** Runs Debian dicom3tools' dciodvfy and returns its error lines, normalised for comparison. */
export type IodValidator = (bytes: Uint8Array) => Promise<string[]>;

function normalise(line: string): string {
  const at = line.indexOf('Error - ');
  return line
    .slice(at)
    .replace(/"[^"]*"/g, '""')
    .replace(/=\s*<[^>]*>/g, '=<>')
    .replace(/\d+/g, '#')
    .trim();
}

function run(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('dciodvfy', ['-new', path], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new DelineateError('DLN_CONFIG_INVALID', 'dciodvfy (Debian dicom3tools) is not installed'));
        return;
      }
      resolve(`${stdout}\n${stderr}`);
    });
  });
}

export function createDciodvfyValidator(): IodValidator {
  return async (bytes) => {
    const dir = await mkdtemp(join(tmpdir(), 'dln-iod-'));
    try {
      const path = join(dir, 'object.dcm');
      await writeFile(path, bytes);
      const output = await run(path);
      return [...new Set(output.split('\n').filter((line) => line.includes('Error - ')).map(normalise))];
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
