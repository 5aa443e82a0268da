import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { DelineateError } from '@delineate/schema';

/** Validates one encoded object and returns its error lines, normalised for comparison. */
export type IodValidator = (bytes: Uint8Array) => Promise<string[]>;

/**
 * Keeps the names and drops the values, so that the same error on input and output compares
 * equal and a steward reads where the error is without ever reading a value: attribute paths
 * ("</RequestAttributesSequence(0040,0275)[1]/CodingSchemeVersion(0008,0103)>", private
 * creators removed) and Module=<…>/Element=<…> names stay; anything else in <…> or quotes
 * becomes empty and other numbers (lengths, counts) become "#".
 */
export function normaliseValidatorLine(line: string): string {
  const at = line.indexOf('Error - ');
  return line
    .slice(at)
    .replace(/<\/[^>]*>|\b(?:Module|Element|Macro)=<[A-Za-z][\w -]*>|"[^"]*"|'[^']*'|<[^>]*>|\d+/g, (token) => {
      if (token.startsWith('</')) return token.replace(/,\s*"[^"]*"/g, '').replace(/"[^"]*"/g, '""');
      if (/^(?:Module|Element|Macro)=/.test(token)) return token;
      if (token.startsWith('"')) return '""';
      if (token.startsWith("'")) return "''";
      if (token.startsWith('<')) return '<>';
      return '#';
    })
    .trim();
}

const END = '\u0001DLN-END';

/**
 * A long-lived shell that runs dciodvfy for each path written to its standard input and marks
 * the end of each report. Node forks its whole (large) process for every child it spawns, which
 * costs far more than dciodvfy itself; the small shell forks cheaply. (Standard input is no
 * way to pass the object itself: dciodvfy misreads large objects from a pipe.)
 */
class ValidatorShell {
  private readonly child: ChildProcessByStdio<Writable, Readable, null>;
  private buffer = '';
  private readonly waiting: { resolve: (report: string) => void; reject: (error: Error) => void }[] = [];
  private failed: Error | undefined;

  constructor() {
    this.child = spawn('sh', ['-c', `while IFS= read -r f; do dciodvfy -new "$f" 2>&1 || test $? -ne 127 || echo 'DLN-NOT-INSTALLED'; printf '\\001DLN-END\\n'; done`], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    this.child.stdout.setEncoding('latin1');
    this.child.stdout.on('data', (chunk: string) => this.receive(chunk));
    const fail = (error: Error) => {
      this.failed = error;
      for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    };
    this.child.on('error', () => fail(new DelineateError('DLN_INTERNAL', 'the validator shell could not be run')));
    this.child.on('exit', () => fail(new DelineateError('DLN_INTERNAL', 'the validator shell ended')));
    this.child.stdin.on('error', () => undefined);
    this.hold(false);
  }

  /** Keeps the process alive only while a report is awaited: an idle shell must not. */
  private hold(active: boolean): void {
    const handles = [this.child, this.child.stdout, this.child.stdin] as unknown as { ref(): void; unref(): void }[];
    for (const handle of handles) {
      if (active) handle.ref();
      else handle.unref();
    }
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let at = this.buffer.indexOf(`${END}\n`);
    while (at >= 0) {
      const report = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + END.length + 1);
      this.waiting.shift()?.resolve(report);
      at = this.buffer.indexOf(`${END}\n`);
    }
    if (this.waiting.length === 0) this.hold(false);
  }

  run(path: string): Promise<string> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) this.hold(true);
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${path}\n`);
    });
  }

  get pending(): number {
    return this.waiting.length;
  }

  close(): void {
    this.child.stdin.end();
  }
}

export interface DciodvfyValidator extends IodValidator {
  /** Ends the validator shells (they also end with the process). */
  close(): void;
}

/**
 * dciodvfy from Debian dicom3tools, as an IodValidator: objects are written to temporary files
 * (under `dir`, default /dev/shm or the OS temp folder) and checked by `shells` long-lived shells.
 */
export function createDciodvfyValidator(options: { dir?: string; shells?: number } = {}): DciodvfyValidator {
  let folder: string | undefined;
  let counter = 0;
  const shells: ValidatorShell[] = [];
  const size = Math.max(1, options.shells ?? availableParallelism());
  const validate = async (bytes: Uint8Array): Promise<string[]> => {
    folder ??= mkdtempSync(join(options.dir ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir()), 'dln-iod-'));
    counter += 1;
    const path = join(folder, `${process.pid}-${counter}.dcm`);
    if (shells.length < size) shells.push(new ValidatorShell());
    const shell = shells.reduce((best, next) => (next.pending < best.pending ? next : best));
    await writeFile(path, bytes);
    try {
      const output = await shell.run(path);
      if (output.includes('DLN-NOT-INSTALLED')) throw new DelineateError('DLN_CONFIG_INVALID', 'dciodvfy (Debian dicom3tools) is not installed');
      if (!output.trim()) throw new DelineateError('DLN_INTERNAL', 'dciodvfy produced no report');
      return [...new Set(output.split('\n').filter((line) => line.includes('Error - ')).map(normaliseValidatorLine))];
    } finally {
      await rm(path, { force: true });
    }
  };
  return Object.assign(validate, {
    close: () => {
      for (const shell of shells.splice(0)) shell.close();
    },
  });
}
