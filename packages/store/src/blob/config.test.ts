import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isDelineateError } from '@delineate/schema';
import { describe, expect, it } from 'vitest';
import { blobStoreConfigFromEnv, createBlobStore, openBlobStore } from './config';
import { BlobKey } from './key';
import { LocalBlobStore } from './local';
import { S3BlobStore } from './s3';

function configError(env: Record<string, string>): string {
  try {
    blobStoreConfigFromEnv({ dataDir: '/data', env });
  } catch (error) {
    if (isDelineateError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('blobStoreConfigFromEnv', () => {
  it('defaults to <dataDir>/blobs in region "local"', () => {
    expect(blobStoreConfigFromEnv({ dataDir: '/data' })).toEqual({ kind: 'local', dir: '/data/blobs', region: 'local' });
  });

  it('takes a folder as a path or file:// URL, and the region from DELINEATE_REGION', () => {
    expect(blobStoreConfigFromEnv({ dataDir: '/data', env: { DELINEATE_BLOB_URL: '/srv/blobs', DELINEATE_REGION: 'eu-west-1' } })).toEqual({
      kind: 'local',
      dir: '/srv/blobs',
      region: 'eu-west-1',
    });
    expect(blobStoreConfigFromEnv({ dataDir: '/data', env: { DELINEATE_BLOB_URL: 'file:///srv/b%20lobs' } })).toMatchObject({ dir: '/srv/b lobs' });
    expect(blobStoreConfigFromEnv({ dataDir: '/data', env: { DELINEATE_BLOB_URL: 'rel/blobs' } })).toMatchObject({ dir: resolve('rel/blobs') });
  });

  it('parses an s3:// URL with prefix, endpoint, AWS region, path style and credentials', () => {
    const env = {
      DELINEATE_BLOB_URL: 's3://AKID:se%2Fcret@my-bucket/a/b/?endpoint=http://127.0.0.1:4569&region=eu-central-1&forcePathStyle=false',
      DELINEATE_REGION: 'eu',
    };
    expect(blobStoreConfigFromEnv({ dataDir: '/data', env })).toEqual({
      kind: 's3',
      bucket: 'my-bucket',
      prefix: 'a/b',
      region: 'eu',
      endpoint: 'http://127.0.0.1:4569',
      awsRegion: 'eu-central-1',
      forcePathStyle: false,
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'se/cret' },
    });
    expect(blobStoreConfigFromEnv({ dataDir: '/data', env: { DELINEATE_BLOB_URL: 's3://bucket' } })).toEqual({
      kind: 's3',
      bucket: 'bucket',
      prefix: '',
      region: 'local',
    });
  });

  it('refuses bad settings without echoing secrets', () => {
    expect(configError({ DELINEATE_REGION: 'EU West' })).toMatch(/^DLN_CONFIG_INVALID: DELINEATE_REGION/);
    expect(configError({ DELINEATE_BLOB_URL: 's3://B_/x' })).toMatch(/^DLN_CONFIG_INVALID: .*bucket/);
    expect(configError({ DELINEATE_BLOB_URL: 's3://bucket?endpont=http://x' })).toContain('unknown parameter "endpont"');
    expect(configError({ DELINEATE_BLOB_URL: 's3://bucket?endpoint=ftp://x' })).toContain('endpoint');
    expect(configError({ DELINEATE_BLOB_URL: 's3://bucket?forcePathStyle=yes' })).toContain('forcePathStyle');
    const secretError = configError({ DELINEATE_BLOB_URL: 's3://AKID:topsecret@bucket?x=1' });
    expect(secretError).not.toContain('topsecret');
    expect(configError({ DELINEATE_BLOB_URL: 'gs://bucket/x' })).toContain('s3://');
  });
});

describe('createBlobStore / openBlobStore', () => {
  it('builds the store the config names, carrying its region', async () => {
    const key = BlobKey.generate();
    const local = createBlobStore({ kind: 'local', dir: '/tmp/x', region: 'r1' }, key);
    expect(local).toBeInstanceOf(LocalBlobStore);
    expect(local.region).toBe('r1');
    const s3 = createBlobStore({ kind: 's3', bucket: 'b', prefix: 'p', region: 'r2', endpoint: 'http://127.0.0.1:1' }, key);
    expect(s3).toBeInstanceOf(S3BlobStore);
    expect(s3.region).toBe('r2');
    expect(s3.location).toBe('s3://b/p/ at http://127.0.0.1:1');
    await s3.close();
  });

  it('opens the default local store with a generated key, ready to use', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'delineate-open-'));
    try {
      const store = await openBlobStore({ dataDir, env: {} });
      const { hash } = await store.put(new TextEncoder().encode('hello'));
      const again = await openBlobStore({ dataDir, env: {} });
      expect(new TextDecoder().decode(await again.get(hash))).toBe('hello');
      expect(again.location).toBe(`file://${join(dataDir, 'blobs')}`);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
