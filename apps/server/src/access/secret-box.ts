import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DelineateError } from '@delineate/schema';

/**
 * Encrypts second-factor seeds at rest (AES-256-GCM, ASVS 2.9.1): a copy of the database alone
 * does not give an attacker the TOTP seeds. The key comes from DELINEATE_CREDENTIAL_KEY (base64,
 * 32 bytes; the same on every server) or `<dataDir>/keys/credentials.key` (mode 0600), created
 * on first use.
 */
export class CredentialCipher {
  readonly #key: Buffer;

  private constructor(key: Buffer) {
    if (key.length !== 32) throw new DelineateError('DLN_CONFIG_INVALID', 'The credential key must be 32 bytes');
    this.#key = key;
  }

  /** A key that lives only in this process (tests). */
  static inMemory(): CredentialCipher {
    return new CredentialCipher(randomBytes(32));
  }

  static async load(dataDir: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<CredentialCipher> {
    const fromEnv = env.DELINEATE_CREDENTIAL_KEY?.trim();
    if (fromEnv) return new CredentialCipher(Buffer.from(fromEnv, 'base64'));
    const path = join(dataDir, 'keys', 'credentials.key');
    try {
      const info = await stat(path);
      if ((info.mode & 0o077) !== 0) {
        throw new DelineateError('DLN_CONFIG_INVALID', 'The credential key file must not be readable by group or others (chmod 600)');
      }
      return new CredentialCipher(Buffer.from((await readFile(path, 'utf8')).trim(), 'base64'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
      const key = randomBytes(32);
      await writeFile(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      await chmod(path, 0o600);
      return new CredentialCipher(key);
    }
  }

  /** A key for another purpose (HKDF-SHA-256 of this one): the same on every server, like this one. */
  derive(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#key, Buffer.alloc(0), `delineate ${purpose}`, 32));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `v1.${iv.toString('base64url')}.${body.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  }

  open(sealed: string): string {
    const [version, iv, body, tag] = sealed.split('.');
    if (version !== 'v1' || !iv || !body || !tag) throw new DelineateError('DLN_INTERNAL', 'A stored credential is not in the expected format');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new DelineateError('DLN_INTERNAL', 'A stored credential cannot be decrypted with the configured key');
    }
  }
}
