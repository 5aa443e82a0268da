import { DelineateError } from '@delineate/schema';

/** Deployment settings of the access layer, from the environment, with the defaults. */
export interface AccessSettings {
  readonly idleTimeoutMs: number;
  readonly absoluteTimeoutMs: number;
  /** Password and MFA changes need a password entry this recent. */
  readonly reauthWindowMs: number;
  /** DELINEATE_DEMO_RELAX_MFA: MFA is not demanded of roles that see images (demo only). */
  readonly relaxMfa: boolean;
  readonly accessReviewIntervalDays: number;
  readonly breakGlassMaxMs: number;
  /** Send the session cookie with `Secure` (off only for plain-HTTP local development). */
  readonly secureCookie: boolean;
}

export const defaultAccessSettings: AccessSettings = {
  idleTimeoutMs: 15 * 60_000,
  absoluteTimeoutMs: 12 * 3_600_000,
  reauthWindowMs: 5 * 60_000,
  relaxMfa: false,
  accessReviewIntervalDays: 90,
  breakGlassMaxMs: 4 * 3_600_000,
  secureCookie: true,
};

function positive(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new DelineateError('DLN_CONFIG_INVALID', `${name} must be a positive number`);
  return value;
}

export function accessSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): AccessSettings {
  const breakGlassHours = positive(env, 'DELINEATE_BREAK_GLASS_MAX_HOURS', 4);
  if (breakGlassHours > 4) throw new DelineateError('DLN_CONFIG_INVALID', 'DELINEATE_BREAK_GLASS_MAX_HOURS must be at most 4');
  return {
    idleTimeoutMs: positive(env, 'DELINEATE_SESSION_IDLE_MINUTES', 15) * 60_000,
    absoluteTimeoutMs: positive(env, 'DELINEATE_SESSION_ABSOLUTE_HOURS', 12) * 3_600_000,
    reauthWindowMs: positive(env, 'DELINEATE_REAUTH_MINUTES', 5) * 60_000,
    relaxMfa: ['1', 'true', 'yes'].includes((env.DELINEATE_DEMO_RELAX_MFA ?? '').toLowerCase()),
    accessReviewIntervalDays: positive(env, 'DELINEATE_ACCESS_REVIEW_DAYS', 90),
    breakGlassMaxMs: breakGlassHours * 3_600_000,
    secureCookie: (env.DELINEATE_INSECURE_COOKIE ?? '') !== '1',
  };
}
