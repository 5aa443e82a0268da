import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DelineateError } from '@delineate/schema';

/** Validates one encoded object and returns its error lines, normalised for comparison. */
export type IodValidator = (bytes: Uint8Array) => Promise<string[]>;

/** Drops values (quoted, after "=", digits) so the same error on input and output compares equal. */
function normalise(line: string): string {
  const at = line.indexOf('Error - ');
  return line
    .slice(at)
    .replace(/"[^"]*"/g, '""')
    .replace(/=\s*<[^>]*>/g, '=<>')
    .replace(/\d+/g, '#')
    .trim();
}

/**
 * Runs dciodvfy on the object written to a temporary file. (Standard input is not an option:
 * dciodvfy misreads large objects from a pipe and reports "Information Object Not found".)
 */
function run(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('dciodvfy', ['-new', path], { maxBuffer: 16 * 1024 * 1024, encoding: 'latin1' }, (error, stdout, stderr) => {
      if (error && typeof error.code === 'string') {
        reject(
          error.code === 'ENOENT'
            ? new DelineateError('DLN_CONFIG_INVALID', 'dciodvfy (Debian dicom3tools) is not installed')
            : new DelineateError('DLN_INTERNAL', 'dciodvfy could not be run'),
        );
        return;
      }
      resolve(`${stdout}\n${stderr}`);
    });
  });
}

/** dciodvfy from Debian dicom3tools, as an IodValidator (temporary files under `dir`, default the OS temp folder). */
export function createDciodvfyValidator(dir?: string): IodValidator {
  let folder: string | undefined;
  let counter = 0;
  return async (bytes) => {
    folder ??= mkdtempSync(join(dir ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir()), 'dln-iod-'));
    counter += 1;
    const path = join(folder, `${process.pid}-${counter}.dcm`);
    await writeFile(path, bytes);
    try {
      const output = await run(path);
      if (!output.trim()) throw new DelineateError('DLN_INTERNAL', 'dciodvfy produced no report');
      return [...new Set(output.split('\n').filter((line) => line.includes('Error - ')).map(normalise))];
    } finally {
      await rm(path, { force: true });
    }
  };
}
