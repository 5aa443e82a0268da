import { createHash } from 'node:crypto';

/**
 * A DICOM UID under the `2.25` root (ITU-T X.667: the decimal form of a UUID), derived from
 * `name` so that the same phantom seed always gives the same UIDs. The UUID is a version 8
 * (RFC 9562, vendor-specific) UUID made from the first 128 bits of SHA-256(name).
 */
export function uidFromName(name: string): string {
  const digest = createHash('sha256').update(name, 'utf8').digest();
  const bytes = Uint8Array.from(digest.subarray(0, 16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `2.25.${BigInt(`0x${hex}`).toString(10)}`;
}
