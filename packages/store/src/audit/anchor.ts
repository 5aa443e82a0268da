import { createHash } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Sdk } from '../blob/s3-sdk';
import { DelineateError } from '@delineate/schema';
import { parseS3Url } from '../blob/config';
import type { S3Credentials } from '../blob/s3';
import { parseCheckpointLines, type AuditCheckpoint } from './checkpoints';

/**
 * A place outside the data folder that keeps a copy of every signed checkpoint and cannot be
 * rewritten by whoever holds the data folder: a file opened append-only (on a separate mount,
 * `chattr +a`, a remote file system) or an S3 bucket with Object Lock. Verification compares
 * the data folder's checkpoints and the chain with it.
 */
export interface AuditAnchor {
  /** Where it is, for messages: never a secret. */
  readonly location: string;
  append(checkpoint: AuditCheckpoint): Promise<void>;
  read(): Promise<{ checkpoints: AuditCheckpoint[]; malformed: number }>;
  close(): Promise<void>;
}

/** JSON lines appended with O_APPEND and synced before the checkpoint counts as written. */
export class FileAuditAnchor implements AuditAnchor {
  readonly location: string;
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
    this.location = `file ${path}`;
  }

  async append(checkpoint: AuditCheckpoint): Promise<void> {
    try {
      await mkdir(dirname(this.#path), { recursive: true, mode: 0o700 });
      // 'a' opens with O_APPEND: this process never seeks or truncates what is there.
      const handle = await open(this.#path, 'a', 0o600);
      try {
        await handle.appendFile(`${JSON.stringify(checkpoint)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw anchorUnavailable('append', error);
    }
  }

  async read(): Promise<{ checkpoints: AuditCheckpoint[]; malformed: number }> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { checkpoints: [], malformed: 0 };
      throw anchorUnavailable('read', error);
    }
    const { checkpoints, malformedLines } = parseCheckpointLines(text);
    return { checkpoints, malformed: malformedLines.length };
  }

  async close(): Promise<void> {}
}

export interface S3AuditAnchorOptions {
  readonly bucket: string;
  readonly prefix?: string;
  readonly endpoint?: string;
  readonly awsRegion?: string;
  readonly forcePathStyle?: boolean;
  readonly credentials?: S3Credentials;
  /** Object Lock mode of each checkpoint object (default COMPLIANCE: nobody can shorten it). */
  readonly lockMode?: 'COMPLIANCE' | 'GOVERNANCE';
  /** How long each checkpoint object is locked (default 2192 days, the six-year audit retention). */
  readonly retentionDays?: number;
  readonly now?: () => Date;
}

/**
 * Each checkpoint is its own object `<prefix><sequence, 16 digits>-<time ms>.json`, written once
 * (`If-None-Match: *`) with Object Lock retention headers and the Content-MD5 that S3 requires
 * for them. The bucket must have Object Lock enabled; then neither the data folder's owner nor
 * the bucket's writer credentials can delete or replace a checkpoint before its retention ends.
 */
export class S3AuditAnchor implements AuditAnchor {
  readonly location: string;
  /** The SDK client (tests add middleware to see the request). */
  readonly client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #lockMode: 'COMPLIANCE' | 'GOVERNANCE';
  readonly #retentionMs: number;
  readonly #now: () => Date;

  constructor(options: S3AuditAnchorOptions) {
    this.#bucket = options.bucket;
    const trimmed = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.#prefix = trimmed === '' ? '' : `${trimmed}/`;
    this.#lockMode = options.lockMode ?? 'COMPLIANCE';
    this.#retentionMs = (options.retentionDays ?? 2192) * 86_400_000;
    this.#now = options.now ?? (() => new Date());
    this.location = `s3://${options.bucket}/${this.#prefix}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
    this.client = new (s3Sdk().S3Client)({
      region: options.awsRegion ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  objectKey(checkpoint: AuditCheckpoint): string {
    return `${this.#prefix}${String(checkpoint.sequence).padStart(16, '0')}-${Date.parse(checkpoint.time)}.json`;
  }

  async append(checkpoint: AuditCheckpoint): Promise<void> {
    const body = Buffer.from(JSON.stringify(checkpoint));
    try {
      await this.client.send(
        new (s3Sdk().PutObjectCommand)({
          Bucket: this.#bucket,
          Key: this.objectKey(checkpoint),
          Body: body,
          ContentLength: body.length,
          ContentType: 'application/json',
          ContentMD5: createHash('md5').update(body).digest('base64'),
          ObjectLockMode: this.#lockMode,
          ObjectLockRetainUntilDate: new Date(this.#now().getTime() + this.#retentionMs),
          IfNoneMatch: '*',
        }),
      );
    } catch (error) {
      // 412: this very checkpoint was written before (a retry after a lost answer).
      if (error instanceof s3Sdk().S3ServiceException && error.$metadata.httpStatusCode === 412) return;
      throw anchorUnavailable('append', error);
    }
  }

  async read(): Promise<{ checkpoints: AuditCheckpoint[]; malformed: number }> {
    const checkpoints: AuditCheckpoint[] = [];
    let malformed = 0;
    try {
      const pages = s3Sdk().paginateListObjectsV2({ client: this.client }, { Bucket: this.#bucket, Prefix: this.#prefix });
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          if (!object.Key?.endsWith('.json')) continue;
          const response = await this.client.send(new (s3Sdk().GetObjectCommand)({ Bucket: this.#bucket, Key: object.Key }));
          const text = (await response.Body?.transformToString('utf8')) ?? '';
          const parsed = parseCheckpointLines(text);
          if (parsed.checkpoints.length !== 1 || parsed.malformedLines.length > 0) malformed++;
          else checkpoints.push(parsed.checkpoints[0]!);
        }
      }
    } catch (error) {
      throw anchorUnavailable('read', error);
    }
    return { checkpoints, malformed };
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function anchorUnavailable(operation: 'append' | 'read', error: unknown): DelineateError {
  if (error instanceof DelineateError) return error;
  const name = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.name) : 'unknown error';
  const status = error instanceof s3Sdk().S3ServiceException ? error.$metadata.httpStatusCode : undefined;
  return new DelineateError(
    'DLN_AUDIT_ANCHOR_UNAVAILABLE',
    `The audit anchor could not be ${operation === 'append' ? 'written' : 'read'}: ${name}${status ? ` (HTTP ${status})` : ''}`,
    { operation, ...(status ? { status } : {}) },
  );
}

const anchorParameters = ['lockMode', 'retentionDays'];

/**
 * Reads `DELINEATE_AUDIT_ANCHOR`: a file path (or `file://` URL) outside the data folder, or
 * `s3://[key:secret@]bucket[/prefix]?endpoint=…&region=…&lockMode=COMPLIANCE|GOVERNANCE&retentionDays=N`.
 * Unset means no anchor. A file inside the data folder is refused: it would fall with the data.
 */
export function auditAnchorFromUrl(value: string | undefined, dataDir: string, now?: () => Date): AuditAnchor | undefined {
  const text = (value ?? '').trim();
  if (text === '') return undefined;
  if (text.startsWith('s3://')) {
    const config = parseS3Url(text, 'DELINEATE_AUDIT_ANCHOR', anchorParameters);
    const params = new URL(text).searchParams;
    const lockMode = params.get('lockMode') ?? 'COMPLIANCE';
    if (lockMode !== 'COMPLIANCE' && lockMode !== 'GOVERNANCE') {
      throw new DelineateError('DLN_CONFIG_INVALID', 'DELINEATE_AUDIT_ANCHOR lockMode must be COMPLIANCE or GOVERNANCE');
    }
    const days = params.get('retentionDays');
    const retentionDays = days === null ? undefined : Number(days);
    if (retentionDays !== undefined && !(Number.isInteger(retentionDays) && retentionDays >= 1)) {
      throw new DelineateError('DLN_CONFIG_INVALID', 'DELINEATE_AUDIT_ANCHOR retentionDays must be a whole number of days, at least 1');
    }
    const { kind: _kind, ...s3 } = config;
    return new S3AuditAnchor({ ...s3, lockMode, ...(retentionDays ? { retentionDays } : {}), ...(now ? { now } : {}) });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && !text.startsWith('file://')) {
    throw new DelineateError('DLN_CONFIG_INVALID', 'DELINEATE_AUDIT_ANCHOR must be a file path, a file:// URL or an s3:// URL');
  }
  const path = text.startsWith('file://') ? fileURLToPath(text) : resolve(text);
  if (!isAbsolute(path)) throw new DelineateError('DLN_CONFIG_INVALID', 'DELINEATE_AUDIT_ANCHOR must be an absolute path');
  const inside = relative(resolve(dataDir), path);
  if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) {
    throw new DelineateError('DLN_CONFIG_INVALID', 'DELINEATE_AUDIT_ANCHOR must lie outside the data folder (DELINEATE_DATA)');
  }
  return new FileAuditAnchor(path);
}
