import type { S3Client } from '@aws-sdk/client-s3';
import { s3Sdk } from './s3-sdk';
import { DelineateError } from '@delineate/schema';
import { assertBlobAddress, blobAddress, blobRelativePath, isBlobAddress } from './address';
import { envelopeOverhead, openBlob, sealBlob } from './envelope';
import { PutCoalescer } from './coalesce';
import { openBlobParts, type BlobPart } from './parts';
import { blobNotFound, blobStoreClosed, checkExpectedHash } from './errors';
import type { BlobKey } from './key';
import type { BlobPutOptions, BlobPutResult, BlobStat, BlobStore } from './types';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3BlobStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, e.g. `delineate/blobs`; a trailing slash is added. */
  prefix?: string;
  key: BlobKey;
  /** Delineate region of the stored data (`DELINEATE_REGION`); defaults to 'local'. */
  region?: string;
  /** Custom endpoint for S3-compatible services (MinIO, s3rver, …). */
  endpoint?: string;
  /** The AWS region the client signs for; defaults to 'us-east-1'. */
  awsRegion?: string;
  /** Path-style URLs (`endpoint/bucket/key`); defaults to true when an endpoint is given. */
  forcePathStyle?: boolean;
  /** Explicit credentials; otherwise the AWS SDK's default chain (env, profile, role). */
  credentials?: S3Credentials;
}

/**
 * Blobs as S3 objects `<prefix>ab/cd/<hash>` in the same encrypted format as the local
 * store. put() checks with HEAD first and then writes with `If-None-Match: *`, so a
 * service that supports conditional writes never replaces an existing object; one that
 * ignores the header may overwrite it with an object holding the same plaintext.
 * Putting content whose stored object has the wrong size replaces that damaged object.
 */
export class S3BlobStore implements BlobStore {
  readonly region: string;
  readonly location: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #key: BlobKey;
  readonly #puts = new PutCoalescer();
  #closed = false;

  constructor(options: S3BlobStoreOptions) {
    this.#bucket = options.bucket;
    this.#prefix = normalisePrefix(options.prefix);
    this.#key = options.key;
    this.region = options.region ?? 'local';
    this.location = `s3://${options.bucket}/${this.#prefix}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
    this.#client = new (s3Sdk().S3Client)({
      region: options.awsRegion ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      // Integrity comes from the envelope's GCM tag and the address check; SDK checksums
      // only add request overhead and break S3-compatible servers that do not know them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  #objectKey(hash: string): string {
    return `${this.#prefix}${blobRelativePath(hash)}`;
  }

  async put(bytes: Uint8Array, options?: BlobPutOptions): Promise<BlobPutResult> {
    this.#assertOpen();
    const hash = blobAddress(bytes);
    checkExpectedHash(hash, options);
    return this.#puts.run(hash, () => this.#write(hash, bytes));
  }

  async #write(hash: string, bytes: Uint8Array): Promise<BlobPutResult> {
    const result = { hash, size: bytes.length };
    const existing = await this.#head(hash);
    if (existing === bytes.length + envelopeOverhead) return { ...result, created: false };
    const body = sealBlob(this.#key, hash, bytes);
    try {
      await this.#client.send(
        new (s3Sdk().PutObjectCommand)({
          Bucket: this.#bucket,
          Key: this.#objectKey(hash),
          Body: body,
          ContentLength: body.length,
          ContentType: 'application/octet-stream',
          // A stored object of the wrong size is damaged and gets replaced unconditionally.
          ...(existing === undefined ? { IfNoneMatch: '*' } : {}),
        }),
      );
    } catch (error) {
      // 412: the object exists; 409: a concurrent conditional write of the same key is in flight.
      if (statusOf(error) === 412 || statusOf(error) === 409) return { ...result, created: false };
      throw unavailable('PutObject', error);
    }
    return { ...result, created: true };
  }

  async get(hash: string): Promise<Uint8Array> {
    this.#assertOpen();
    assertBlobAddress(hash);
    let stored: Uint8Array;
    try {
      const response = await this.#client.send(new (s3Sdk().GetObjectCommand)({ Bucket: this.#bucket, Key: this.#objectKey(hash) }));
      if (!response.Body) throw blobNotFound(hash);
      stored = await response.Body.transformToByteArray();
    } catch (error) {
      if (error instanceof DelineateError) throw error;
      if (isNotFound(error)) throw blobNotFound(hash);
      throw unavailable('GetObject', error);
    }
    return openBlob(this.#key, hash, stored);
  }

  /** Ranged GETs: a viewport's tiles cost their bytes, not the pack's. */
  async getParts(hash: string, parts: readonly BlobPart[]): Promise<Uint8Array[]> {
    this.#assertOpen();
    assertBlobAddress(hash);
    return openBlobParts(this.#key, hash, parts, async (start, end) => {
      try {
        const response = await this.#client.send(
          new (s3Sdk().GetObjectCommand)({ Bucket: this.#bucket, Key: this.#objectKey(hash), Range: `bytes=${start}-${end - 1}` }),
        );
        if (!response.Body) throw blobNotFound(hash);
        return await response.Body.transformToByteArray();
      } catch (error) {
        if (error instanceof DelineateError) throw error;
        if (isNotFound(error)) throw blobNotFound(hash);
        // 416: the range starts past the object's end, so the index names bytes the blob does not have.
        if (statusOf(error) === 416) return new Uint8Array(0);
        throw unavailable('GetObject', error);
      }
    }, { mergeGap: 256 * 1024 });
  }

  async has(hash: string): Promise<boolean> {
    this.#assertOpen();
    return (await this.#head(hash)) !== undefined;
  }

  async stat(hash: string): Promise<BlobStat> {
    this.#assertOpen();
    const storedSize = await this.#head(hash);
    if (storedSize === undefined) throw blobNotFound(hash);
    return { hash, size: Math.max(0, storedSize - envelopeOverhead), storedSize };
  }

  /** The stored object's size, or undefined when it does not exist. */
  async #head(hash: string): Promise<number | undefined> {
    assertBlobAddress(hash);
    try {
      const response = await this.#client.send(new (s3Sdk().HeadObjectCommand)({ Bucket: this.#bucket, Key: this.#objectKey(hash) }));
      return response.ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw unavailable('HeadObject', error);
    }
  }

  async *list(): AsyncIterable<string> {
    this.#assertOpen();
    const pages = s3Sdk().paginateListObjectsV2({ client: this.#client }, { Bucket: this.#bucket, Prefix: this.#prefix });
    try {
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          const name = object.Key?.slice(this.#prefix.length);
          if (!name) continue;
          const hash = name.slice(6);
          if (isBlobAddress(hash) && name === blobRelativePath(hash)) yield hash;
        }
      }
    } catch (error) {
      throw unavailable('ListObjectsV2', error);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw blobStoreClosed();
  }

  /** Releases the client's connections; later calls fail with DLN_BLOB_STORE_CLOSED. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#client.destroy();
  }
}

function normalisePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

function statusOf(error: unknown): number | undefined {
  return error instanceof s3Sdk().S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

function isNotFound(error: unknown): boolean {
  if (!(error instanceof s3Sdk().S3ServiceException)) return false;
  return error.name === 'NotFound' || error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404;
}

function unavailable(operation: string, error: unknown): DelineateError {
  if (error instanceof DelineateError) return error;
  const name = error instanceof Error ? error.name : 'unknown error';
  const status = statusOf(error);
  return new DelineateError('DLN_STORE_UNAVAILABLE', `S3 ${operation} failed: ${name}${status ? ` (HTTP ${status})` : ''}`, {
    operation,
    ...(status ? { status } : {}),
  });
}
