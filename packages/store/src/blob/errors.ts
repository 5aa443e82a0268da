import { DelineateError } from '@delineate/schema';
import type { BlobPutOptions } from './types';

export function blobNotFound(hash: string): DelineateError {
  return new DelineateError('DLN_BLOB_NOT_FOUND', 'Blob not found', { hash });
}

export function checkExpectedHash(hash: string, options: BlobPutOptions | undefined): void {
  const expected = options?.expectedHash;
  if (expected !== undefined && expected.toLowerCase() !== hash) {
    throw new DelineateError('DLN_REQUEST_INVALID', 'Blob content does not match the expected SHA-256', { hash });
  }
}

export function blobStoreClosed(): DelineateError {
  return new DelineateError('DLN_BLOB_STORE_CLOSED', 'The blob store is closed');
}
