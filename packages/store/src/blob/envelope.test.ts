import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blobAddress } from './address';
import { envelopeOverhead, openBlob, sealBlob } from './envelope';
import { BlobKey } from './key';

describe('blob envelope', () => {
  const key = BlobKey.generate();

  it('writes magic, version 1, the key id and a fresh nonce for every object', () => {
    const plaintext = randomBytes(100);
    const hash = blobAddress(plaintext);
    const a = sealBlob(key, hash, plaintext);
    const b = sealBlob(key, hash, plaintext);
    expect(envelopeOverhead).toBe(41);
    expect(a.length).toBe(100 + envelopeOverhead);
    expect(a.subarray(0, 4).toString('ascii')).toBe('DLNB');
    expect(a[4]).toBe(1);
    expect(a.subarray(5, 13).toString('hex')).toBe(key.id);
    expect(a.subarray(13, 25).equals(b.subarray(13, 25))).toBe(false);
    expect(Buffer.from(openBlob(key, hash, a)).equals(plaintext)).toBe(true);
    expect(Buffer.from(openBlob(key, hash, b)).equals(plaintext)).toBe(true);
  });

  it('binds the address: an object sealed for one address does not open under another', () => {
    const plaintext = randomBytes(100);
    const sealed = sealBlob(key, blobAddress(plaintext), plaintext);
    expect(() => openBlob(key, blobAddress(randomBytes(100)), sealed)).toThrow(/failed verification/);
  });

  it('refuses content sealed under an address it does not hash to', () => {
    const plaintext = randomBytes(100);
    const wrongAddress = blobAddress(randomBytes(100));
    const sealed = sealBlob(key, wrongAddress, plaintext);
    expect(() => openBlob(key, wrongAddress, sealed)).toThrow(/does not match its address/);
  });
});
