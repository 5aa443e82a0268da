import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDelineateError } from '@delineate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobKey, blobKeyPath, loadBlobKey } from './key';

async function failure(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await work;
  } catch (error) {
    if (isDelineateError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a failure');
}

describe('loadBlobKey', () => {
  let root: string;
  let n = 0;
  const freshDir = () => join(root, `data-${n++}`);
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'delineate-key-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('reads DELINEATE_KEY as hex, base64 or URL-safe base64, and writes no key file then', async () => {
    const material = randomBytes(32);
    const dataDir = freshDir();
    const ids = new Set<string>();
    for (const text of [material.toString('hex'), material.toString('base64'), material.toString('base64url'), ` ${material.toString('hex').toUpperCase()}\n`]) {
      const key = await loadBlobKey({ dataDir, env: { DELINEATE_KEY: text } });
      expect(key.source).toBe('env');
      expect(key.material.equals(material)).toBe(true);
      ids.add(key.id);
    }
    expect(ids.size).toBe(1);
    await expect(stat(blobKeyPath(dataDir))).rejects.toThrow();
  });

  it('refuses a DELINEATE_KEY of the wrong length or alphabet without echoing it', async () => {
    const cases = [randomBytes(16).toString('hex'), randomBytes(31).toString('base64'), 'not a key!', 'g'.repeat(64)];
    for (const text of cases) {
      const { code, message } = await failure(loadBlobKey({ dataDir: freshDir(), env: { DELINEATE_KEY: text } }));
      expect(code).toBe('DLN_BLOB_KEY_INVALID');
      expect(message).toContain('DELINEATE_KEY');
      expect(message).not.toContain(text);
    }
  });

  it('generates a 0600 key file in a 0700 folder once and loads the same key afterwards', async () => {
    const dataDir = freshDir();
    const first = await loadBlobKey({ dataDir, env: { DELINEATE_KEY: '' } });
    expect(first.source).toBe('file');
    expect((await stat(blobKeyPath(dataDir))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'keys'))).mode & 0o777).toBe(0o700);
    const text = await readFile(blobKeyPath(dataDir), 'utf8');
    expect(Buffer.from(text.trim(), 'base64').equals(first.material)).toBe(true);
    const second = await loadBlobKey({ dataDir });
    expect(second.id).toBe(first.id);
  });

  it('gives concurrent first starts one and the same key', async () => {
    const dataDir = freshDir();
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadBlobKey({ dataDir })));
    expect(new Set(keys.map((k) => k.id)).size).toBe(1);
  });

  it('refuses a key file that group or others can access', async () => {
    const dataDir = freshDir();
    await loadBlobKey({ dataDir });
    for (const mode of [0o640, 0o604, 0o660]) {
      await chmod(blobKeyPath(dataDir), mode);
      const { code, message } = await failure(loadBlobKey({ dataDir }));
      expect(code).toBe('DLN_BLOB_KEY_INVALID');
      expect(message).toContain('chmod 600');
    }
    await chmod(blobKeyPath(dataDir), 0o400);
    await expect(loadBlobKey({ dataDir })).resolves.toBeInstanceOf(BlobKey);
  });

  it('refuses a key file with invalid content', async () => {
    const dataDir = freshDir();
    await mkdir(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
    await writeFile(blobKeyPath(dataDir), 'too-short\n', { mode: 0o600 });
    expect((await failure(loadBlobKey({ dataDir }))).code).toBe('DLN_BLOB_KEY_INVALID');
  });

  it('never serialises the key material', () => {
    const key = BlobKey.generate();
    const json = JSON.stringify({ key });
    expect(json).toBe(JSON.stringify({ key: { id: key.id, source: 'memory' } }));
    expect(json).not.toContain(key.material.toString('hex'));
    expect(key.id).toMatch(/^[0-9a-f]{16}$/);
  });
});
