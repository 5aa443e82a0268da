import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findRunningServer, removeServerFile, serverFilePath, writeServerFile } from './running-server';

describe('the server file', () => {
  const dirs: string[] = [];
  const folder = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dln-server-file-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const file = (pid: number) => ({ url: 'http://127.0.0.1:1234', pid, startedAt: '2026-12-04T00:00:00.000Z', operatorKey: 'dlo_key' });

  it('names a live server, readable only by its owner', async () => {
    const dir = await folder();
    // The test's parent process stands in for a running server: alive, and not this process.
    await writeServerFile(dir, file(process.ppid));
    expect(await findRunningServer(dir)).toEqual(file(process.ppid));
    expect((await stat(serverFilePath(dir))).mode & 0o077).toBe(0);
  });

  it('ignores a file left by a server that is gone, a damaged file, and none', async () => {
    const dir = await folder();
    expect(await findRunningServer(dir)).toBeUndefined();
    await writeServerFile(dir, file(2 ** 22 + 12345)); // above Linux's pid_max default
    expect(await findRunningServer(dir)).toBeUndefined();
    await writeFile(serverFilePath(dir), '{"url": 1');
    expect(await findRunningServer(dir)).toBeUndefined();
  });

  it('is removed only by the server that wrote it', async () => {
    const dir = await folder();
    await writeServerFile(dir, file(process.ppid));
    await removeServerFile(dir);
    expect(existsSync(serverFilePath(dir))).toBe(true);
    await removeServerFile(dir, process.ppid);
    expect(existsSync(serverFilePath(dir))).toBe(false);
  });
});
