import { DelineateError } from '@delineate/schema';
import { auditAnchorFromUrl, type AuditAnchor } from './anchor';
import { defaultCheckpointPolicy } from './log';
import type { AuditCheckpointPolicy } from './verify';

export interface AuditCheckpointSettings {
  readonly policy: AuditCheckpointPolicy;
  /** `undefined` when DELINEATE_AUDIT_ANCHOR is unset. */
  readonly anchor: AuditAnchor | undefined;
}

/**
 * The checkpoint policy and anchor the server writes with and `delineate audit verify` checks
 * against: DELINEATE_AUDIT_CHECKPOINT_EVENTS (default 1000), DELINEATE_AUDIT_CHECKPOINT_MINUTES
 * (default 5, fractions allowed) and DELINEATE_AUDIT_ANCHOR (see `auditAnchorFromUrl`).
 */
export function auditCheckpointSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  dataDir: string,
  now?: () => Date,
): AuditCheckpointSettings {
  const events = positive(env.DELINEATE_AUDIT_CHECKPOINT_EVENTS, 'DELINEATE_AUDIT_CHECKPOINT_EVENTS', true);
  const minutes = positive(env.DELINEATE_AUDIT_CHECKPOINT_MINUTES, 'DELINEATE_AUDIT_CHECKPOINT_MINUTES', false);
  const everyMs = minutes === undefined ? defaultCheckpointPolicy.everyMs : Math.round(minutes * 60_000);
  return {
    policy: {
      everyEvents: events ?? defaultCheckpointPolicy.everyEvents,
      everyMs,
      // The server's timer ticks at most every 30 s; the rest is slack for a busy event loop.
      graceMs: defaultCheckpointPolicy.graceMs,
    },
    anchor: auditAnchorFromUrl(env.DELINEATE_AUDIT_ANCHOR, dataDir, now),
  };
}

/** How often the server looks for a time checkpoint that is due. */
export function checkpointTickMs(policy: AuditCheckpointPolicy): number {
  return Math.max(1000, Math.min(30_000, Math.floor(policy.everyMs / 2)));
}

function positive(value: string | undefined, name: string, integer: boolean): number | undefined {
  const text = (value ?? '').trim();
  if (text === '') return undefined;
  const number = Number(text);
  if (!Number.isFinite(number) || number <= 0 || (integer && !Number.isInteger(number))) {
    throw new DelineateError('DLN_CONFIG_INVALID', `${name} must be a positive ${integer ? 'whole number' : 'number'}`);
  }
  return number;
}
