import { describe, expect, it } from 'vitest';
import { hashRecoveryCode, newRecoveryCodes, newSessionToken, sha256Hex } from './tokens';

describe('session tokens', () => {
  it('carry at least 128 random bits and differ each time', () => {
    const tokens = new Set(Array.from({ length: 100 }, newSessionToken));
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(Buffer.from(token, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
  });
  it('are stored as SHA-256 hex', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('recovery codes', () => {
  it('are ten distinct codes whose hash ignores case and separators', () => {
    const codes = newRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    const code = codes[0]!;
    expect(hashRecoveryCode(code.toUpperCase().replace(/-/g, ' '))).toBe(hashRecoveryCode(code));
    expect(hashRecoveryCode(codes[1]!)).not.toBe(hashRecoveryCode(code));
  });
});
