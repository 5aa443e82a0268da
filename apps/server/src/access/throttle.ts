/**
 * Login throttling without lock-out (ASVS 2.2.1). Two limits:
 * - per (account, address): after a few failures each further attempt waits an exponentially
 *   growing delay (capped), so guessing one account from one place is slow;
 * - per address: a budget of failures per window across all accounts, so one place cannot spray
 *   many accounts.
 * Failures never block the account itself: the real user, from an address that has not failed,
 * logs in at once. The account name is the one typed, whether or not it exists, so the limiter
 * does not reveal which accounts exist. State is per process (bounded, pruned).
 */
export interface ThrottleSettings {
  /** Failures per (account, address) allowed before delays start. */
  readonly freeFailures: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Failures per address within `windowMs` across all accounts. */
  readonly addressBudget: number;
  readonly windowMs: number;
}

export const defaultThrottleSettings: ThrottleSettings = {
  freeFailures: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  addressBudget: 50,
  windowMs: 15 * 60_000,
};

export type ThrottleDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

interface PairState {
  failures: number;
  lastFailureMs: number;
}

export class LoginThrottle {
  private readonly pairs = new Map<string, PairState>();
  private readonly addressFailures = new Map<string, number[]>();

  constructor(private readonly settings: ThrottleSettings = defaultThrottleSettings) {}

  check(account: string, address: string, nowMs: number): ThrottleDecision {
    this.prune(nowMs);
    const pair = this.pairs.get(pairKey(account, address));
    if (pair && pair.failures >= this.settings.freeFailures) {
      const delay = Math.min(
        this.settings.maxDelayMs,
        this.settings.baseDelayMs * 2 ** (pair.failures - this.settings.freeFailures),
      );
      const waitUntil = pair.lastFailureMs + delay;
      if (nowMs < waitUntil) return { allowed: false, retryAfterMs: waitUntil - nowMs };
    }
    const recent = this.addressFailures.get(address) ?? [];
    if (recent.length >= this.settings.addressBudget) {
      const oldest = recent[0]!;
      return { allowed: false, retryAfterMs: oldest + this.settings.windowMs - nowMs };
    }
    return { allowed: true };
  }

  recordFailure(account: string, address: string, nowMs: number): void {
    const key = pairKey(account, address);
    const pair = this.pairs.get(key) ?? { failures: 0, lastFailureMs: nowMs };
    pair.failures += 1;
    pair.lastFailureMs = nowMs;
    this.pairs.set(key, pair);
    const recent = this.addressFailures.get(address) ?? [];
    recent.push(nowMs);
    this.addressFailures.set(address, recent);
  }

  recordSuccess(account: string, address: string): void {
    this.pairs.delete(pairKey(account, address));
  }

  private prune(nowMs: number): void {
    const horizon = nowMs - this.settings.windowMs;
    for (const [address, times] of this.addressFailures) {
      const kept = times.filter((t) => t > horizon);
      if (kept.length === 0) this.addressFailures.delete(address);
      else this.addressFailures.set(address, kept);
    }
    const pairHorizon = nowMs - this.settings.maxDelayMs - this.settings.windowMs;
    for (const [key, pair] of this.pairs) if (pair.lastFailureMs < pairHorizon) this.pairs.delete(key);
  }
}

function pairKey(account: string, address: string): string {
  return `${account.toLowerCase()}\u0000${address}`;
}
