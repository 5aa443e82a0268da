import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/**
 * Password hashing with argon2id (OWASP ASVS 2.4). The parameters of a stored hash are read
 * back from its PHC string, so they can be raised later: a login with a hash weaker than the
 * current parameters gets a fresh hash (`needsRehash`).
 */
export interface Argon2Params {
  /** Memory in KiB. */
  readonly memoryKiB: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/** At least 46 MiB, t = 1, p = 1 (OWASP password storage cheat sheet, first argon2id option). */
export const defaultArgon2Params: Argon2Params = { memoryKiB: 47_104, timeCost: 1, parallelism: 1 };

/** `Algorithm.Argon2id` of @node-rs/argon2 (an ambient const enum, unusable under isolatedModules). */
const ARGON2ID = 2;

export interface PasswordHasherOptions {
  /**
   * Cheaper parameters for tests only. Production code never passes this; the name makes a
   * stray use visible in review.
   */
  readonly testOnlyParams?: Argon2Params;
}

export interface PasswordCheck {
  readonly ok: boolean;
  /** The stored hash used weaker parameters (or another algorithm) than the current ones. */
  readonly needsRehash: boolean;
}

const PHC = /^\$argon2(id|i|d)\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/** Reads the algorithm and parameters of a PHC string, or `undefined` when it is not argon2. */
export function parsePhc(phc: string): (Argon2Params & { variant: 'id' | 'i' | 'd' }) | undefined {
  const m = PHC.exec(phc);
  if (!m) return undefined;
  return {
    variant: m[1] as 'id' | 'i' | 'd',
    memoryKiB: Number(m[3]),
    timeCost: Number(m[4]),
    parallelism: Number(m[5]),
  };
}

export class PasswordHasher {
  readonly params: Argon2Params;
  /** A hash of a random password, verified against when the account does not exist. */
  private dummyHash: Promise<string> | undefined;

  constructor(options: PasswordHasherOptions = {}) {
    this.params = options.testOnlyParams ?? defaultArgon2Params;
  }

  async hash(password: string): Promise<string> {
    return hash(password.normalize('NFKC'), {
      algorithm: ARGON2ID,
      memoryCost: this.params.memoryKiB,
      timeCost: this.params.timeCost,
      parallelism: this.params.parallelism,
    });
  }

  async verify(phc: string, password: string): Promise<PasswordCheck> {
    const parsed = parsePhc(phc);
    if (!parsed) return { ok: false, needsRehash: false };
    let ok = false;
    try {
      ok = await verify(phc, password.normalize('NFKC'));
    } catch {
      ok = false;
    }
    const weaker =
      parsed.variant !== 'id' ||
      parsed.memoryKiB < this.params.memoryKiB ||
      parsed.timeCost < this.params.timeCost;
    return { ok, needsRehash: ok && weaker };
  }

  /**
   * Spends the same work as a real verification, for logins naming an unknown account, so the
   * response time does not tell whether the account exists.
   */
  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= this.hash(randomBytes(24).toString('base64url'));
    await this.verify(await this.dummyHash, password);
  }
}

/** Minimum password policy (ASVS 2.1): length only, no composition rules, at most 128 chars. */
export function passwordProblem(password: string): string | undefined {
  const length = [...password.normalize('NFKC')].length;
  if (length < 12) return 'Password must have at least 12 characters';
  if (length > 128) return 'Password must have at most 128 characters';
  return undefined;
}
