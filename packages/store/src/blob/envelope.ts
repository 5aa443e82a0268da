import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DelineateError } from '@delineate/schema';
import { blobAddress } from './address';
import type { BlobKey } from './key';

/*
 * Encrypted blob format, version 1 (all stored blobs, local or S3):
 *
 *   offset  size  field
 *        0     4  magic "DLNB"
 *        4     1  format version (1)
 *        5     8  key id (see key.ts), so a wrong key is named as such, not as corruption
 *       13    12  AES-256-GCM nonce, random per object
 *       25     n  ciphertext
 *     25+n    16  GCM authentication tag
 *
 * The additional authenticated data is the 25-byte header followed by the blob's address
 * ("sha256:<hex>"), so a header edit or an object moved under another name fails to decrypt.
 */

const magic = Buffer.from('DLNB', 'ascii');
const formatVersion = 1;
const keyIdLength = 8;
const nonceLength = 12;
const tagLength = 16;
const headerLength = magic.length + 1 + keyIdLength + nonceLength;

/** Bytes an encrypted object adds to its plaintext. */
export const envelopeOverhead = headerLength + tagLength;

function additionalData(header: Uint8Array, hash: string): Buffer {
  return Buffer.concat([header, Buffer.from(`sha256:${hash}`, 'ascii')]);
}

/** Encrypts `plaintext`, whose address is `hash`, into the stored form. */
export function sealBlob(key: BlobKey, hash: string, plaintext: Uint8Array): Buffer {
  const header = Buffer.alloc(headerLength);
  magic.copy(header, 0);
  header.writeUInt8(formatVersion, magic.length);
  Buffer.from(key.id, 'hex').copy(header, magic.length + 1);
  const nonce = randomBytes(nonceLength);
  nonce.copy(header, magic.length + 1 + keyIdLength);

  const cipher = createCipheriv('aes-256-gcm', key.material, nonce, { authTagLength: tagLength });
  cipher.setAAD(additionalData(header, hash));
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return Buffer.concat([header, body, final, cipher.getAuthTag()]);
}

function corrupt(reason: string, hash: string): DelineateError {
  return new DelineateError('DLN_BLOB_CORRUPT', `Stored blob failed verification: ${reason}`, { hash });
}

/** Bytes before the ciphertext: magic, version, key id, nonce. */
export const envelopeHeaderLength = headerLength;

/**
 * Checks an envelope header: DLN_BLOB_CORRUPT when it is not one of ours,
 * DLN_BLOB_KEY_INVALID when another key sealed it.
 */
export function checkEnvelopeHeader(key: BlobKey, hash: string, header: Uint8Array): void {
  const bytes = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
  if (!bytes.subarray(0, magic.length).equals(magic)) throw corrupt('not a Delineate blob envelope', hash);
  const version = bytes.readUInt8(magic.length);
  if (version !== formatVersion) throw corrupt(`unsupported envelope version ${version}`, hash);
  const keyId = bytes.subarray(magic.length + 1, magic.length + 1 + keyIdLength).toString('hex');
  if (keyId !== key.id) {
    throw new DelineateError(
      'DLN_BLOB_KEY_INVALID',
      `Blob was encrypted with key ${keyId} but the configured key is ${key.id}; check DELINEATE_KEY or the key file`,
      { hash, storedKeyId: keyId, configuredKeyId: key.id },
    );
  }
}

/** The per-object GCM nonce of a checked header. */
export function envelopeNonce(header: Uint8Array): Uint8Array {
  return header.subarray(magic.length + 1 + keyIdLength, headerLength);
}

/**
 * Decrypts a stored object and checks that its plaintext hashes to `hash`.
 * Throws DLN_BLOB_CORRUPT on any damage, DLN_BLOB_KEY_INVALID when another key sealed it.
 */
export function openBlob(key: BlobKey, hash: string, stored: Uint8Array): Uint8Array {
  const bytes = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  if (bytes.length < envelopeOverhead) throw corrupt('object is shorter than its envelope', hash);
  checkEnvelopeHeader(key, hash, bytes.subarray(0, headerLength));

  const header = bytes.subarray(0, headerLength);
  const nonce = bytes.subarray(magic.length + 1 + keyIdLength, headerLength);
  const tag = bytes.subarray(bytes.length - tagLength);
  const decipher = createDecipheriv('aes-256-gcm', key.material, nonce, { authTagLength: tagLength });
  decipher.setAAD(additionalData(header, hash));
  decipher.setAuthTag(tag);
  let plaintext: Buffer;
  try {
    plaintext = Buffer.concat([decipher.update(bytes.subarray(headerLength, bytes.length - tagLength)), decipher.final()]);
  } catch {
    throw corrupt('authentication failed (damaged, tampered or stored under another address)', hash);
  }
  // GCM already binds the address; re-hashing guards against a writer that sealed wrong content.
  if (blobAddress(plaintext) !== hash) throw corrupt('content does not match its address', hash);
  return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
}
