import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, matchTotp, otpauthUri, totp } from './totp';

// RFC 6238 Appendix B: seeds are the ASCII strings below, 8 digits.
const seeds = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
};
const vectors: Array<[number, string, string, string]> = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('RFC 6238 test vectors', () => {
  for (const [seconds, sha1, sha256, sha512] of vectors) {
    it(`T = ${seconds}`, () => {
      expect(totp(seeds.sha1, seconds * 1000, { digits: 8 })).toBe(sha1);
      expect(totp(seeds.sha256, seconds * 1000, { digits: 8, algorithm: 'sha256' })).toBe(sha256);
      expect(totp(seeds.sha512, seconds * 1000, { digits: 8, algorithm: 'sha512' })).toBe(sha512);
    });
  }
});

describe('RFC 4226 Appendix D HOTP values', () => {
  it('matches the first ten counters', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expect(expected.map((_, counter) => hotp(seeds.sha1, counter))).toEqual(expected);
  });
});

describe('matchTotp', () => {
  const t = 1_700_000_000_000;
  it('accepts the current step and one step of drift, and names the step', () => {
    const code = totp(seeds.sha1, t);
    expect(matchTotp(seeds.sha1, code, t)).toBe(Math.floor(t / 30_000));
    expect(matchTotp(seeds.sha1, code, t + 30_000)).toBe(Math.floor(t / 30_000));
    expect(matchTotp(seeds.sha1, code, t - 30_000)).toBe(Math.floor(t / 30_000));
  });
  it('refuses a code two steps away, a wrong code and malformed input', () => {
    const code = totp(seeds.sha1, t);
    expect(matchTotp(seeds.sha1, code, t + 90_000)).toBeUndefined();
    expect(matchTotp(seeds.sha1, code === '000000' ? '000001' : '000000', t)).toBeUndefined();
    expect(matchTotp(seeds.sha1, '12345', t)).toBeUndefined();
    expect(matchTotp(seeds.sha1, 'abcdef', t)).toBeUndefined();
  });
});

describe('base32', () => {
  it('round-trips and matches RFC 4648 vectors', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(Buffer.from(base32Decode('MZXW6YTBOI======')).toString()).toBe('foobar');
    const bytes = Uint8Array.from({ length: 20 }, (_, i) => i * 13);
    expect(base32Decode(base32Encode(bytes))).toEqual(bytes);
  });
  it('builds an otpauth URI with the base32 secret', () => {
    expect(otpauthUri(seeds.sha1, 'ana@example.org')).toContain(`secret=${base32Encode(seeds.sha1)}`);
  });
});
