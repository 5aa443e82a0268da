import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialCipher } from './secret-box';

describe('CredentialCipher', () => {
  it('round-trips, never stores the plaintext, and refuses a tampered or foreign value', () => {
    const box = CredentialCipher.inMemory();
    const sealed = box.seal('JBSWY3DPEHPK3PXP');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.seal('JBSWY3DPEHPK3PXP')).not.toBe(sealed);
    expect(box.open(sealed)).toBe('JBSWY3DPEHPK3PXP');
    const parts = sealed.split('.');
    parts[2] = Buffer.from('x'.repeat(16)).toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
    expect(() => CredentialCipher.inMemory().open(sealed)).toThrow();
  });

  it('keeps its key in a 0600 file under the data folder, or takes it from the environment', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dln-credkey-'));
    try {
      const a = await CredentialCipher.load(dir, {});
      expect((await stat(join(dir, 'keys', 'credentials.key'))).mode & 0o777).toBe(0o600);
      const b = await CredentialCipher.load(dir, {});
      expect(b.open(a.seal('secret'))).toBe('secret');
      const key = Buffer.alloc(32, 7).toString('base64');
      const fromEnv = await CredentialCipher.load(dir, { DELINEATE_CREDENTIAL_KEY: key });
      expect((await CredentialCipher.load(dir, { DELINEATE_CREDENTIAL_KEY: key })).open(fromEnv.seal('x'))).toBe('x');
      await expect(CredentialCipher.load(dir, { DELINEATE_CREDENTIAL_KEY: 'c2hvcnQ=' })).rejects.toMatchObject({ code: 'DLN_CONFIG_INVALID' });
      // Keys derived for other purposes: the same from the same key (every server), apart per purpose and key.
      const again = await CredentialCipher.load(dir, { DELINEATE_CREDENTIAL_KEY: key });
      expect(again.derive('tile capability')).toEqual(fromEnv.derive('tile capability'));
      expect(again.derive('tile capability')).toHaveLength(32);
      expect(again.derive('tile capability')).not.toEqual(again.derive('other'));
      expect(a.derive('tile capability')).not.toEqual(fromEnv.derive('tile capability'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
