import { keyedHash } from './crypto-keys';

const WELL_KNOWN_ROOT = '1.2.840.10008.';

/** UIDs defined by the standard (SOP classes, transfer syntaxes, coding schemes…) are never remapped. */
export function isWellKnownUid(uid: string): boolean {
  return uid.startsWith(WELL_KNOWN_ROOT);
}

/**
 * Maps an original UID to `2.25.<decimal>` from the first 128 bits of HMAC-SHA256(secret, uid):
 * the same input and secret give the same UID in every run (so references stay consistent
 * across files and batches) and the result is at most 44 characters.
 */
export class UidMapper {
  private readonly cache = new Map<string, string>();

  constructor(private readonly secret: Uint8Array) {}

  map(uid: string): string {
    const original = uid.trim();
    if (original.length === 0 || isWellKnownUid(original)) return original;
    const cached = this.cache.get(original);
    if (cached) return cached;
    const digest = keyedHash(this.secret, 'uid', original);
    // Clear the top bits the way a version-8 UUID would, so the value reads as a UUID integer.
    digest[6] = ((digest[6] ?? 0) & 0x0f) | 0x80;
    digest[8] = ((digest[8] ?? 0) & 0x3f) | 0x80;
    const mapped = `2.25.${BigInt(`0x${digest.subarray(0, 16).toString('hex')}`).toString(10)}`;
    this.cache.set(original, mapped);
    return mapped;
  }

  /** Maps a multi-valued UI value ("a\b"). */
  mapValue(value: string): string {
    return value
      .split('\\')
      .map((part) => this.map(part))
      .join('\\');
  }
}
