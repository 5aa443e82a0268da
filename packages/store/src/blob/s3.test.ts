import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { blobRelativePath } from './address';
import { runBlobStoreConformance } from './conformance';
import { S3BlobStore } from './s3';

const bucket = 'delineate-test';
const prefix = 'tenant-a/blobs';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

await runBlobStoreConformance('S3BlobStore (s3rver)', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'delineate-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const raw = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  const objectKey = (hash: string) => `${prefix}/${blobRelativePath(hash)}`;
  return {
    open: (key) => new S3BlobStore({ bucket, prefix, key, endpoint, credentials, region: 'test-region' }),
    readStored: async (hash) => {
      const response = await raw.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey(hash) }));
      if (!response.Body) throw new Error('empty body');
      return response.Body.transformToByteArray();
    },
    writeStored: async (hash, bytes) => {
      await raw.send(new PutObjectCommand({ Bucket: bucket, Key: objectKey(hash), Body: bytes }));
    },
    close: async () => {
      raw.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
});
