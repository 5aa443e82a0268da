import type { BlobPart } from './parts';

/** Options for {@link BlobStore.put}. */
export interface BlobPutOptions {
  /**
   * The SHA-256 (hex) the caller already computed, e.g. from an upload's digest header.
   * When given and the content does not match, put() refuses with DLN_REQUEST_INVALID.
   */
  expectedHash?: string;
}

export interface BlobPutResult {
  /** SHA-256 hex of the plaintext: the blob's address. */
  hash: string;
  /** Plaintext size in bytes. */
  size: number;
  /** false when a blob with this address already existed (the write was a no-op). */
  created: boolean;
}

export interface BlobStat {
  hash: string;
  /** Plaintext size in bytes. */
  size: number;
  /** Size of the encrypted object as stored (plaintext + envelope overhead). */
  storedSize: number;
}

/**
 * Content-addressed, encrypted-at-rest blob storage. Blobs are append-only: there is no
 * delete, because a revision that once pointed at a blob must always be able to read it.
 */
export interface BlobStore {
  /** The region the bytes live in (`DELINEATE_REGION`); callers refuse a mismatch. */
  readonly region: string;
  /** Human-readable description of where blobs go (no secrets), for logs and health checks. */
  readonly location: string;
  put(bytes: Uint8Array, options?: BlobPutOptions): Promise<BlobPutResult>;
  /** The plaintext; DLN_BLOB_NOT_FOUND when missing, DLN_BLOB_CORRUPT when it fails verification. */
  get(hash: string): Promise<Uint8Array>;
  /**
   * Only the given byte ranges of a blob's plaintext, each checked against its own SHA-256, without
   * reading or decrypting the rest (a viewport's tiles out of a large pack). DLN_BLOB_CORRUPT when a
   * part does not match its hash or lies past the blob's end; DLN_BLOB_NOT_FOUND when missing.
   */
  getParts(hash: string, parts: readonly BlobPart[]): Promise<Uint8Array[]>;
  has(hash: string): Promise<boolean>;
  /** DLN_BLOB_NOT_FOUND when missing. */
  stat(hash: string): Promise<BlobStat>;
  /** Every stored address, for verification sweeps. Order is unspecified. */
  list(): AsyncIterable<string>;
  /** Releases connections; the store is unusable afterwards. */
  close(): Promise<void>;
}
