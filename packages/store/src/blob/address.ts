import { createHash } from 'node:crypto';
import { DelineateError } from '@delineate/schema';

const addressPattern = /^[0-9a-f]{64}$/;

/** SHA-256 hex of the plaintext: the blob's address. */
export function blobAddress(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function isBlobAddress(value: string): boolean {
  return addressPattern.test(value);
}

/** Addresses become file and object names, so anything but 64 lowercase hex digits is refused. */
export function assertBlobAddress(value: string): void {
  if (!isBlobAddress(value)) {
    throw new DelineateError('DLN_REQUEST_INVALID', 'Blob address must be a SHA-256 digest as 64 lowercase hex digits');
  }
}

/** `ab/cd/<hash>` fan-out keeps every folder (or listing page) small. */
export function blobShard(hash: string): [string, string] {
  return [hash.slice(0, 2), hash.slice(2, 4)];
}

export function blobRelativePath(hash: string): string {
  const [a, b] = blobShard(hash);
  return `${a}/${b}/${hash}`;
}
