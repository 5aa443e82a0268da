/**
 * Login throttling without lock-out (ASVS 2.2.1). Two limits:
 * - per (account, address): after a few failures each further attempt waits an exponentially
 *   growing delay (capped), so guessing one account from one place is slow;
 * - per address: a budget of failures per window across all accounts, so one place cannot spray
 *   many accounts.
 * Failures never block the account itself: the real user, from an address that has not failed,
 * signs in at once. The account name is the one typed, whether or not it exists, so the limiter
 * does not reveal which accounts exist. The counts live in a {@link ThrottleState}: the database
 * in the server (shared by every server), memory in unit tests.
 */
export interface ThrottleSettings {
  /** Failures per (account, address) allowed before delays start. */
  readonly freeFailures: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Failures of a pair older than this are forgotten. */
  readonly pairMemoryMs: number;
  /** Failures per address within `windowMs` across all accounts. */
  readonly addressBudget: number;
  readonly windowMs: number;
}

export const defaultThrottleSettings: ThrottleSettings = {
  freeFailures: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  pairMemoryMs: 60 * 60_000,
  addressBudget: 50,
  windowMs: 15 * 60_000,
};

export type ThrottleDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

export interface RecentFailures {
  readonly pairFailures: number;
  readonly pairLastMs: number | null;
  readonly addressFailures: number;
  readonly addressFirstMs: number | null;
}

/** Where failures are counted. */
export interface ThrottleState {
  /** Pair failures since `pairSinceMs`; address failures since `addressSinceMs`. */
  recent(account: string, address: string, pairSinceMs: number, addressSinceMs: number): Promise<RecentFailures>;
  record(account: string, address: string, atMs: number): Promise<void>;
  clear(account: string, address: string): Promise<void>;
  prune(beforeMs: number): Promise<void>;
}

export class MemoryThrottleState implements ThrottleState {
  readonly #failures: Array<{ account: string; address: string; at: number }> = [];

  async recent(account: string, address: string, pairSinceMs: number, addressSinceMs: number): Promise<RecentFailures> {
    const pair = this.#failures.filter((f) => f.account === account && f.address === address && f.at > pairSinceMs);
    const place = this.#failures.filter((f) => f.address === address && f.at > addressSinceMs);
    return {
      pairFailures: pair.length,
      pairLastMs: pair.length ? Math.max(...pair.map((f) => f.at)) : null,
      addressFailures: place.length,
      addressFirstMs: place.length ? Math.min(...place.map((f) => f.at)) : null,
    };
  }

  async record(account: string, address: string, atMs: number): Promise<void> {
    this.#failures.push({ account, address, at: atMs });
  }

  async clear(account: string, address: string): Promise<void> {
    for (let i = this.#failures.length - 1; i >= 0; i--) {
      const f = this.#failures[i]!;
      if (f.account === account && f.address === address) this.#failures.splice(i, 1);
    }
  }

  async prune(beforeMs: number): Promise<void> {
    for (let i = this.#failures.length - 1; i >= 0; i--) if (this.#failures[i]!.at < beforeMs) this.#failures.splice(i, 1);
  }
}

export class LoginThrottle {
  #lastPruneMs = 0;

  constructor(
    private readonly state: ThrottleState = new MemoryThrottleState(),
    private readonly settings: ThrottleSettings = defaultThrottleSettings,
  ) {}

  async check(account: string, address: string, nowMs: number): Promise<ThrottleDecision> {
    const s = this.settings;
    if (nowMs - this.#lastPruneMs > s.windowMs) {
      this.#lastPruneMs = nowMs;
      await this.state.prune(nowMs - Math.max(s.pairMemoryMs, s.windowMs));
    }
    const recent = await this.state.recent(key(account), address, nowMs - s.pairMemoryMs, nowMs - s.windowMs);
    if (recent.pairFailures >= s.freeFailures && recent.pairLastMs !== null) {
      const delay = Math.min(s.maxDelayMs, s.baseDelayMs * 2 ** (recent.pairFailures - s.freeFailures));
      const waitUntil = recent.pairLastMs + delay;
      if (nowMs < waitUntil) return { allowed: false, retryAfterMs: waitUntil - nowMs };
    }
    if (recent.addressFailures >= s.addressBudget && recent.addressFirstMs !== null) {
      return { allowed: false, retryAfterMs: Math.max(1, recent.addressFirstMs + s.windowMs - nowMs) };
    }
    return { allowed: true };
  }

  recordFailure(account: string, address: string, nowMs: number): Promise<void> {
    return this.state.record(key(account), address, nowMs);
  }

  recordSuccess(account: string, address: string): Promise<void> {
    return this.state.clear(key(account), address);
  }
}

/** What a throttled check after sign-in proves: a second-factor code or the password again. */
export type CredentialKind = 'second_factor' | 'password';

/**
 * Throttles checks made for a known account after the password (second-factor codes, the
 * password entered again to re-authenticate or sign). Unlike sign-in, these are counted per
 * account whatever the address: whoever guesses already holds the password, so changing
 * address must not buy fresh attempts. Same delays as sign-in, same shared state.
 */
export class CredentialThrottle {
  constructor(private readonly throttle: LoginThrottle) {}

  check(kind: CredentialKind, userId: string, nowMs: number): Promise<ThrottleDecision> {
    return this.throttle.check(`${kind}:${userId}`, accountAddress(userId), nowMs);
  }

  recordFailure(kind: CredentialKind, userId: string, nowMs: number): Promise<void> {
    return this.throttle.recordFailure(`${kind}:${userId}`, accountAddress(userId), nowMs);
  }

  recordSuccess(kind: CredentialKind, userId: string): Promise<void> {
    return this.throttle.recordSuccess(`${kind}:${userId}`, accountAddress(userId));
  }
}

/** Keeps the per-address budget of these rows to the one account (never shared by accounts). */
function accountAddress(userId: string): string {
  return `account:${userId}`;
}

function key(account: string): string {
  return account.trim().toLowerCase();
}

/** The counts in the database, so every server applies the same limits. */
export class DatabaseThrottleState implements ThrottleState {
  constructor(
    private readonly failures: {
      recent(account: string, address: string, since: Date): Promise<{ pairFailures: number; pairLast: Date | null; addressFailures: number; addressFirst: Date | null }>;
      record(account: string, address: string, at: Date): Promise<void>;
      clear(account: string, address: string): Promise<void>;
      prune(before: Date): Promise<void>;
    },
  ) {}

  async recent(account: string, address: string, pairSinceMs: number, addressSinceMs: number): Promise<RecentFailures> {
    // One query over the longer window; the address count is then narrowed in a second look
    // only when the windows differ.
    const pair = await this.failures.recent(account, address, new Date(pairSinceMs));
    const place = pairSinceMs === addressSinceMs ? pair : await this.failures.recent(account, address, new Date(addressSinceMs));
    return {
      pairFailures: pair.pairFailures,
      pairLastMs: pair.pairLast?.getTime() ?? null,
      addressFailures: place.addressFailures,
      addressFirstMs: place.addressFirst?.getTime() ?? null,
    };
  }

  record(account: string, address: string, atMs: number): Promise<void> {
    return this.failures.record(account, address, new Date(atMs));
  }

  clear(account: string, address: string): Promise<void> {
    return this.failures.clear(account, address);
  }

  prune(beforeMs: number): Promise<void> {
    return this.failures.prune(new Date(beforeMs));
  }
}
