import { describe, expect, it } from 'vitest';
import { isTokenCredential } from './token-access';
import { newSessionToken } from './tokens';

describe('telling API tokens from sessions', () => {
  it('keeps a session token that begins with dln_ or dlo_ by chance a session', () => {
    // Session tokens are 43 base64url characters; about one in 17 million begins with a token prefix.
    expect(isTokenCredential(`dln_${'x'.repeat(39)}`)).toBe(false);
    expect(isTokenCredential(`dlo_${'Y'.repeat(39)}`)).toBe(false);
    expect(newSessionToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('judges every other bearer with a token prefix as a token, well formed or not', () => {
    expect(isTokenCredential(`dln_${'A'.repeat(43)}`)).toBe(true);
    expect(isTokenCredential(`dlo_${'A'.repeat(43)}`)).toBe(true);
    expect(isTokenCredential('dln_short')).toBe(true);
    expect(isTokenCredential('A'.repeat(43))).toBe(false);
    expect(isTokenCredential(undefined)).toBe(false);
  });
});
