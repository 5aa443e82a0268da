import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { createRequire } from 'node:module';

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

/** Words of the account and the service that a password must not lean on (NIST SP 800-63B §5.1.1.2). */
export interface PasswordContext {
  readonly username?: string;
  readonly displayName?: string;
}

/** The service's own name, a context word for every account. */
const serviceWords = ['delineate'];

let commonPasswords: ReadonlySet<string> | undefined;

function commonPasswordList(): readonly string[] {
  const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as { dictionary: Record<string, string[]> };
  return dictionary['passwords-common'] ?? [];
}

/**
 * The 49,233 most common passwords of public breach corpora (the list shipped by
 * @zxcvbn-ts/language-common, checked offline), lower-cased, built once on first use.
 */
function isCommonPassword(lowered: string): boolean {
  // Loaded on the first password checked: the list is large, and most commands never check one.
  commonPasswords ??= new Set(commonPasswordList().map((p) => p.toLowerCase()));
  return commonPasswords.has(lowered);
}

/** The password with separators gone and leading or trailing digits and symbols stripped. */
function cores(lowered: string): string[] {
  const joined = lowered.replace(/[\s._-]+/g, '');
  const trimmed = joined.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  return [lowered, joined, trimmed];
}

/**
 * The password policy (ASVS 2.1, NIST SP 800-63B §5.1.1.2): 12 to 128 characters, no
 * composition rules, and not a common or breached password, also not one with separators,
 * digits or symbols added around such a password, nor one made of the user name, display name
 * or the service's name with little else. Case does not matter.
 */
export function passwordProblem(password: string, context: PasswordContext = {}): string | undefined {
  const normalised = password.normalize('NFKC');
  const length = [...normalised].length;
  if (length < 12) return 'Password must have at least 12 characters';
  if (length > 128) return 'Password must have at most 128 characters';
  const lowered = normalised.toLowerCase();
  if (new Set(lowered).size < 4) return 'Password repeats too few characters';
  if (cores(lowered).some(isCommonPassword)) return 'Password is too common: it appears in lists of breached passwords';
  const words = [context.username ?? '', ...(context.displayName ?? '').split(/\s+/), ...serviceWords]
    .map((w) => w.normalize('NFKC').toLowerCase().trim())
    .filter((w) => [...w].length >= 3);
  if (words.some((w) => lowered.includes(w))) {
    let rest = lowered;
    for (const w of words) rest = rest.split(w).join('');
    const letters = rest.replace(/[^\p{L}]/gu, '');
    if ([...letters].length < 6 || cores(rest).some(isCommonPassword)) return 'Password is too close to the user name or the service name';
  }
  return undefined;
}
