import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Time-based one-time passwords (RFC 6238 over HOTP, RFC 4226), HMAC-SHA-1, 6 digits, 30 s. */

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface TotpOptions {
  readonly stepSeconds?: number;
  readonly digits?: number;
  readonly algorithm?: TotpAlgorithm;
}

/** HOTP value for one counter (RFC 4226 §5.3, dynamic truncation). */
export function hotp(secret: Uint8Array, counter: number, digits = 6, algorithm: TotpAlgorithm = 'sha1'): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The time step that contains `unixMs`. */
export function totpStep(unixMs: number, stepSeconds = 30): number {
  return Math.floor(unixMs / 1000 / stepSeconds);
}

export function totp(secret: Uint8Array, unixMs: number, options: TotpOptions = {}): string {
  return hotp(secret, totpStep(unixMs, options.stepSeconds), options.digits, options.algorithm);
}

/**
 * Checks a code against the current step and one step either side (clock drift). Returns the
 * matched step so the caller can refuse a step at or before the last one used (replay), or
 * `undefined`.
 */
export function matchTotp(
  secret: Uint8Array,
  code: string,
  unixMs: number,
  options: TotpOptions & { readonly window?: number } = {},
): number | undefined {
  const digits = options.digits ?? 6;
  if (!new RegExp(`^\\d{${digits}}$`).test(code)) return undefined;
  const now = totpStep(unixMs, options.stepSeconds);
  const window = options.window ?? 1;
  let matched: number | undefined;
  for (let step = now - window; step <= now + window; step++) {
    const expected = Buffer.from(hotp(secret, step, digits, options.algorithm));
    // Compare every candidate so the time taken does not depend on which one matched.
    if (timingSafeEqual(expected, Buffer.from(code)) && matched === undefined) matched = step;
  }
  return matched;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Uint8Array {
  const clean = text.toUpperCase().replace(/[\s=]/g, '');
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error('invalid base32');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/** A new 160-bit secret (RFC 4226 §4 recommends 160 bits). */
export function newTotpSecret(): Uint8Array {
  return new Uint8Array(randomBytes(20));
}

/** The `otpauth://` URI an authenticator app reads from a QR code. */
export function otpauthUri(secret: Uint8Array, accountName: string, issuer = 'Delineate'): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`;
  const query = new URLSearchParams({ secret: base32Encode(secret), issuer, algorithm: 'SHA1', digits: '6', period: '30' });
  return `otpauth://totp/${label}?${query.toString()}`;
}
