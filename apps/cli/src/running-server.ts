import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The server file: `delineate start` writes where it listens, its pid and the operator key into
 * the data folder once it listens, and removes it on a clean stop. The CLI reads it to talk to
 * the server instead of opening the database the server holds. Mode 0600: the operator key
 * manages API tokens, and only whoever can read the data folder (who holds the database anyway)
 * may read it.
 */
export interface ServerFile {
  readonly url: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly operatorKey: string;
}

export const SERVER_FILE = 'server.json';

export function serverFilePath(dataDir: string): string {
  return join(dataDir, SERVER_FILE);
}

/** Written whole under a temporary name and renamed, so a reader never sees half a file. */
export async function writeServerFile(dataDir: string, file: ServerFile): Promise<void> {
  const temporary = join(dataDir, `.${SERVER_FILE}.${randomUUID()}`);
  await writeFile(temporary, `${JSON.stringify(file)}\n`, { mode: 0o600 });
  await rename(temporary, serverFilePath(dataDir));
}

/** Removes the file only when it is this process's (a second server may have replaced it). */
export async function removeServerFile(dataDir: string, pid = process.pid): Promise<void> {
  const current = await readServerFile(dataDir);
  if (current?.pid === pid) await rm(serverFilePath(dataDir), { force: true });
}

async function readServerFile(dataDir: string): Promise<ServerFile | undefined> {
  let text: string;
  try {
    text = await readFile(serverFilePath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<ServerFile>;
    if (typeof value.url !== 'string' || !Number.isSafeInteger(value.pid) || typeof value.operatorKey !== 'string') return undefined;
    return value as ServerFile;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The server running on this data folder, if any: its file exists and its process is alive. A
 * file left by a server that crashed is ignored (the database lock says the rest).
 */
export async function findRunningServer(dataDir: string): Promise<ServerFile | undefined> {
  const file = await readServerFile(dataDir);
  return file && file.pid !== process.pid && alive(file.pid) ? file : undefined;
}
