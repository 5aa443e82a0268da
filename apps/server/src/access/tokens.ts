import { createHash, randomBytes } from 'node:crypto';

/** Session tokens: 256 random bits, sent to the client once, stored only as SHA-256. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Ten single-use recovery codes of 80 random bits each, shown once. They are random enough
 * that a fast hash (SHA-256) stores them safely.
 */
export function newRecoveryCodes(count = 10): string[] {
  return Array.from({ length: count }, () => {
    const hex = randomBytes(10).toString('hex');
    return hex.match(/.{5}/g)!.join('-');
  });
}

/** Codes are typed by people: ignore case, spaces and dashes. */
export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

export function hashRecoveryCode(code: string): string {
  return sha256Hex(`recovery:${normaliseRecoveryCode(code)}`);
}
