import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DelineateError } from '@delineate/schema';
import { fsyncDirectory } from './durable';

export type BlobKeySource = 'env' | 'file' | 'memory';

const keyLength = 32;

/**
 * An AES-256 key for blobs. The key material is kept in a private field so that logging
 * or serialising the object shows only its id and source.
 */
export class BlobKey {
  /** 16 hex digits derived from the key; stored in every blob header. Not secret. */
  readonly id: string;
  readonly source: BlobKeySource;
  readonly #material: Buffer;

  constructor(material: Uint8Array, source: BlobKeySource) {
    if (material.length !== keyLength) {
      throw new DelineateError('DLN_BLOB_KEY_INVALID', `Blob key must be ${keyLength} bytes, got ${material.length}`);
    }
    this.#material = Buffer.from(material);
    this.source = source;
    this.id = createHash('sha256').update('delineate/blob-key-id\0').update(this.#material).digest('hex').slice(0, 16);
  }

  /** A fresh random key that lives only in memory (tests, benchmarks). */
  static generate(): BlobKey {
    return new BlobKey(randomBytes(keyLength), 'memory');
  }

  get material(): Buffer {
    return this.#material;
  }

  toJSON(): { id: string; source: BlobKeySource } {
    return { id: this.id, source: this.source };
  }
}

const hexPattern = /^[0-9a-fA-F]{64}$/;
const base64Pattern = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Parses 32 key bytes written as 64 hex digits or as base64 (standard or URL-safe).
 * `origin` names where the text came from; the text itself never appears in a message.
 */
export function parseBlobKeyText(text: string, origin: string): Buffer {
  const trimmed = text.trim();
  if (hexPattern.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (base64Pattern.test(trimmed)) {
    const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === keyLength) return bytes;
    throw new DelineateError(
      'DLN_BLOB_KEY_INVALID',
      `${origin} must hold ${keyLength} bytes as 64 hex digits or base64; it decodes to ${bytes.length} bytes`,
    );
  }
  throw new DelineateError(
    'DLN_BLOB_KEY_INVALID',
    `${origin} must hold ${keyLength} bytes as 64 hex digits or base64 (e.g. the output of \`openssl rand -base64 32\`)`,
  );
}

export interface LoadBlobKeyOptions {
  /** The data folder (`DELINEATE_DATA`); the key file lives at `<dataDir>/keys/blob.key`. */
  dataDir: string;
  env?: Readonly<Record<string, string | undefined>>;
}

export function blobKeyPath(dataDir: string): string {
  return join(dataDir, 'keys', 'blob.key');
}

/**
 * The blob key: `DELINEATE_KEY` when set (an empty value counts as unset), else the key
 * file `<dataDir>/keys/blob.key`, generated with mode 0600 in a 0700 folder on first use.
 * A key file that group or others can access is refused.
 */
export async function loadBlobKey(options: LoadBlobKeyOptions): Promise<BlobKey> {
  const fromEnv = options.env?.DELINEATE_KEY;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return new BlobKey(parseBlobKeyText(fromEnv, 'DELINEATE_KEY'), 'env');
  }
  const path = blobKeyPath(options.dataDir);
  const existing = await readKeyFile(path);
  if (existing) return existing;
  await createKeyFile(path);
  const created = await readKeyFile(path);
  if (!created) throw new DelineateError('DLN_BLOB_KEY_INVALID', `Key file ${path} vanished right after it was created`);
  return created;
}

async function readKeyFile(path: string): Promise<BlobKey | undefined> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!info.isFile()) throw new DelineateError('DLN_BLOB_KEY_INVALID', `Key file ${path} is not a regular file`);
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
    throw new DelineateError(
      'DLN_BLOB_KEY_INVALID',
      `Key file ${path} has mode ${mode}: group or others can access it. Run \`chmod 600 ${path}\` after checking who read it`,
    );
  }
  return new BlobKey(parseBlobKeyText(await readFile(path, 'utf8'), `Key file ${path}`), 'file');
}

/** Writes a new random key atomically; when another process wins the race its key is kept. */
async function createKeyFile(path: string): Promise<void> {
  const dir = join(path, '..');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temporary = join(dir, `.blob.key.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(`${randomBytes(keyLength).toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temporary);
  }
  await fsyncDirectory(dir);
  await fsyncDirectory(join(dir, '..'));
}
