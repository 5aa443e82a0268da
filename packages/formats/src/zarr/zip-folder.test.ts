import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipFolder } from './zip-folder';

async function zipped(dir: string): Promise<Buffer> {
  const pieces: Uint8Array[] = [];
  for await (const piece of zipFolder(dir)) pieces.push(piece);
  return Buffer.concat(pieces);
}

describe('zipFolder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-zip-'));
    await mkdir(join(dir, '0', 'c', '1'), { recursive: true });
    await writeFile(join(dir, 'zarr.json'), '{"zarr_format":3}');
    await writeFile(join(dir, '0', 'c', '1', '7'), Buffer.from([0, 1, 2, 250, 251]));
    await writeFile(join(dir, '0', 'zarr.json'), '{}');
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('holds every file under its relative path with / separators, bytes unchanged', async () => {
    const entries = unzipSync(new Uint8Array(await zipped(dir)));
    expect(Object.keys(entries).sort()).toEqual(['0/c/1/7', '0/zarr.json', 'zarr.json']);
    expect([...entries['0/c/1/7']!]).toEqual([0, 1, 2, 250, 251]);
    expect(Buffer.from(entries['zarr.json']!).toString()).toBe('{"zarr_format":3}');
  });

  it('gives the same bytes for the same folder (fixed entry times, sorted paths, stored entries)', async () => {
    const a = await zipped(dir);
    expect(Buffer.compare(a, await zipped(dir))).toBe(0);
    // Stored, not deflated: the chunk bytes appear as they are.
    expect(a.includes(Buffer.from([0, 1, 2, 250, 251]))).toBe(true);
  });
});
