import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DelineateError } from '@delineate/schema';
import type { BlobKey } from '../blob/key';

/*
 * A file name as the browser gave it may name a patient ("SMITH_J_CT.dcm"): it is kept sealed
 * with the blob key (AES-256-GCM, a random nonce, the upload's id as additional data, so a name
 * cannot be moved to another upload). Layout: nonce (12) ‖ ciphertext ‖ tag (16).
 */

export function sealName(key: BlobKey, uploadId: string, name: string): Buffer {
  return sealText(key, `upload-name:${uploadId}`, name);
}

export function openName(key: BlobKey, uploadId: string, sealed: Uint8Array): string {
  return openText(key, `upload-name:${uploadId}`, sealed, 'A staged upload name failed verification');
}

/**
 * Any short identifying text sealed the same way, bound to `context` (its additional data): the
 * sealed text opens only where it was sealed for (an upload's name, a retrieval's targets).
 */
export function sealText(key: BlobKey, context: string, text: string): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.material, nonce, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(context));
  return Buffer.concat([nonce, cipher.update(text, 'utf8'), cipher.final(), cipher.getAuthTag()]);
}

export function openText(key: BlobKey, context: string, sealed: Uint8Array, failure = 'Sealed text failed verification'): string {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.material, bytes.subarray(0, 12), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    throw new DelineateError('DLN_BLOB_CORRUPT', failure);
  }
}
