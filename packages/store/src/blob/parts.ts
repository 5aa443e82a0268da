import { createDecipheriv, createHash } from 'node:crypto';
import { DelineateError } from '@delineate/schema';
import { checkEnvelopeHeader, envelopeHeaderLength, envelopeNonce } from './envelope';
import type { BlobKey } from './key';

/** A byte range of a blob's plaintext and the SHA-256 (hex) its bytes must have. */
export interface BlobPart {
  readonly offset: number;
  readonly length: number;
  readonly sha256: string;
}

/**
 * Reads bytes [start, end) of the stored (sealed) object; fewer when the object is shorter.
 * Throws DLN_BLOB_NOT_FOUND when the object does not exist.
 */
export type StoredRangeReader = (start: number, end: number) => Promise<Uint8Array>;

/**
 * Parts closer than `mergeGap` bytes are fetched in one range, and the header with the first part
 * when it starts within that gap: on disk a short gap is cheaper to read than a second read call;
 * on S3 a request costs as much as a few hundred kilobytes of transfer.
 */
export interface BlobPartsReading {
  readonly mergeGap: number;
}

function corrupt(hash: string): DelineateError {
  return new DelineateError('DLN_BLOB_CORRUPT', 'Stored blob failed verification: a part does not match its hash', { hash });
}

/**
 * Decrypts only the given parts of a sealed blob. AES-GCM is counter mode underneath, so any
 * 16-byte block of the ciphertext decrypts on its own (counter = nonce ‖ 2 + block number); the
 * GCM tag covers the whole object and cannot be checked from a part, so each part is verified
 * against its own SHA-256 instead (a tile's hash, kept in the revision's index in the database).
 * A damaged, truncated or swapped part therefore fails with DLN_BLOB_CORRUPT, as a whole read does.
 */
export async function openBlobParts(
  key: BlobKey,
  hash: string,
  parts: readonly BlobPart[],
  read: StoredRangeReader,
  { mergeGap }: BlobPartsReading,
): Promise<Uint8Array[]> {
  if (parts.length === 0) return [];
  for (const p of parts) {
    if (!Number.isSafeInteger(p.offset) || !Number.isSafeInteger(p.length) || p.offset < 0 || p.length < 0) {
      throw new DelineateError('DLN_REQUEST_INVALID', 'A blob part needs a non-negative offset and length');
    }
  }
  const order = parts.map((_, i) => i).sort((a, b) => parts[a]!.offset - parts[b]!.offset);
  const spans: { start: number; end: number; members: number[] }[] = [];
  for (const i of order) {
    const p = parts[i]!;
    const last = spans[spans.length - 1];
    if (last && p.offset <= last.end + mergeGap) {
      last.end = Math.max(last.end, p.offset + p.length);
      last.members.push(i);
    } else spans.push({ start: p.offset, end: p.offset + p.length, members: [i] });
  }
  // The header travels with the first span when that span starts near the beginning.
  const first = spans[0]!;
  const firstAligned = alignDown(first.start);
  const withHeader = envelopeHeaderLength + firstAligned <= mergeGap;
  let header: Uint8Array;
  const fetched: Uint8Array[] = [];
  if (withHeader) {
    const bytes = await read(0, envelopeHeaderLength + first.end);
    header = bytes.subarray(0, envelopeHeaderLength);
    fetched.push(bytes.subarray(envelopeHeaderLength + firstAligned));
  } else {
    header = await read(0, envelopeHeaderLength);
  }
  if (header.length < envelopeHeaderLength) throw corrupt(hash);
  checkEnvelopeHeader(key, hash, header);
  const rest = await Promise.all(spans.slice(fetched.length).map((s) => read(envelopeHeaderLength + alignDown(s.start), envelopeHeaderLength + s.end)));
  fetched.push(...rest);

  const nonce = envelopeNonce(header);
  const out: Uint8Array[] = new Array(parts.length);
  spans.forEach((span, s) => {
    const aligned = alignDown(span.start);
    const cipherBytes = fetched[s]!;
    if (cipherBytes.length < span.end - aligned) throw corrupt(hash);
    const plain = decryptFromBlock(key, nonce, aligned / 16, cipherBytes.subarray(0, span.end - aligned));
    for (const i of span.members) {
      const p = parts[i]!;
      const bytes = plain.subarray(p.offset - aligned, p.offset - aligned + p.length);
      if (createHash('sha256').update(bytes).digest('hex') !== p.sha256.toLowerCase()) throw corrupt(hash);
      out[i] = bytes;
    }
  });
  return out;
}

function alignDown(offset: number): number {
  return offset - (offset % 16);
}

/** AES-256-CTR from GCM's first data counter (inc32(J0) = nonce ‖ 2) plus `block`. */
function decryptFromBlock(key: BlobKey, nonce: Uint8Array, block: number, cipherBytes: Uint8Array): Uint8Array {
  const iv = Buffer.alloc(16);
  iv.set(nonce, 0);
  // GCM's counter wraps in 32 bits; packs are far below 2^32 blocks (64 GiB), so CTR's 128-bit increment agrees.
  iv.writeUInt32BE(2 + block, 12);
  const decipher = createDecipheriv('aes-256-ctr', key.material, iv);
  const plain = Buffer.concat([decipher.update(cipherBytes), decipher.final()]);
  return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
}
