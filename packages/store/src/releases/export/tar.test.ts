import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTarArchive, tarArchive } from './tar';

describe('tarArchive', () => {
  it('is read back by the system tar, long paths included, and is the same bytes each time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dln-tar-'));
    try {
      const long = `train/${'a'.repeat(60)}/${'b'.repeat(60)}/label.nii.gz`;
      const files = [
        { path: 'dataset.json', bytes: new TextEncoder().encode('{"labels":{}}') },
        { path: long, bytes: Uint8Array.from({ length: 1500 }, (_, i) => i % 251) },
        { path: 'empty.txt', bytes: new Uint8Array(0) },
      ];
      const frozen = new Date('2026-01-02T03:04:05Z');
      const archive = tarArchive(files, frozen);
      expect(tarArchive(files, frozen)).toEqual(archive);
      await writeFile(join(dir, 'a.tar'), archive);
      const listing = execFileSync('tar', ['-tvf', join(dir, 'a.tar')], { encoding: 'utf8' });
      expect(listing).toContain(long);
      execFileSync('tar', ['-xf', join(dir, 'a.tar'), '-C', dir]);
      for (const f of files) expect(new Uint8Array(await readFile(join(dir, f.path)))).toEqual(f.bytes);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('readTarArchive', () => {
  it('reads back what tarArchive writes: paths (long ones through the prefix), bytes, empty files', () => {
    const files = [
      { path: 'dataset.json', bytes: new TextEncoder().encode('{}') },
      { path: `train/${'a'.repeat(60)}/${'b'.repeat(60)}/seg-binary.dcm`, bytes: Uint8Array.from({ length: 1500 }, (_, i) => i % 256) },
      { path: 'empty.txt', bytes: new Uint8Array(0) },
    ];
    const read = readTarArchive(tarArchive(files, new Date('2026-01-01T00:00:00Z')));
    expect(read.map((f) => f.path)).toEqual(files.map((f) => f.path));
    expect(read.map((f) => Array.from(f.bytes))).toEqual(files.map((f) => Array.from(f.bytes)));
  });

  it('refuses an archive whose entry runs past its end', () => {
    const archive = tarArchive([{ path: 'x.dcm', bytes: new Uint8Array(2000) }], new Date(0));
    expect(() => readTarArchive(archive.subarray(0, 1024))).toThrow(RangeError);
  });
});
