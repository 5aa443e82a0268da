import type { Database } from '@delineate/store';
import {
  AuditLog,
  auditCheckpointSettingsFromEnv,
  auditKeyFingerprint,
  auditProblemCodes,
  loadAuditPublicKey,
  parseAuditPublicKey,
  type AuditVerifyResult,
} from '@delineate/store';

export interface VerifyAuditOptions {
  /** The public key given apart from the data folder: PEM text, a PEM file or base64 SPKI. */
  readonly publicKey?: string;
  /** The anchor to compare with; default DELINEATE_AUDIT_ANCHOR. */
  readonly anchor?: string;
  /** Fail unless both an independent key and an anchor are given. */
  readonly strict?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: Date;
}

export interface AuditVerifyReport extends AuditVerifyResult {
  readonly keyFingerprint: string | null;
  readonly keySource: 'given' | 'data_folder' | 'none';
  readonly anchor: string | null;
  /** What this run could not rule out, in plain words. */
  readonly warnings: readonly string[];
}

/**
 * Recomputes the audit chain from the first row and checks it against the signed checkpoints,
 * the anchor outside the data folder and the checkpoint policy. The key beside the data is
 * never enough on its own: whoever holds the folder can re-sign with it.
 */
export async function verifyAudit(database: Database, dataDir: string, options: VerifyAuditOptions = {}): Promise<AuditVerifyReport> {
  const env = options.env ?? process.env;
  const given = options.publicKey ? await parseAuditPublicKey(options.publicKey) : undefined;
  const publicKey = given ?? (await loadAuditPublicKey(dataDir));
  const settings = auditCheckpointSettingsFromEnv({ ...env, ...(options.anchor !== undefined ? { DELINEATE_AUDIT_ANCHOR: options.anchor } : {}) }, dataDir);
  const warnings: string[] = [];
  if (!given) warnings.push('the public key was taken from the data folder: whoever holds the folder can re-sign checkpoints with its key; pass --public-key');
  else {
    const beside = await loadAuditPublicKey(dataDir);
    if (beside && auditKeyFingerprint(beside) !== auditKeyFingerprint(given)) {
      warnings.push(`the key in the data folder (${auditKeyFingerprint(beside)}) is not the given one: it was replaced, or this is another installation`);
    }
  }
  if (!settings.anchor) warnings.push('no anchor (DELINEATE_AUDIT_ANCHOR or --anchor): deleted or re-signed checkpoints in the data folder cannot be detected except by the checkpoint policy');
  const context = {
    keyFingerprint: publicKey ? auditKeyFingerprint(publicKey) : null,
    keySource: given ? ('given' as const) : publicKey ? ('data_folder' as const) : ('none' as const),
    anchor: settings.anchor?.location ?? null,
    warnings,
  };
  try {
    const result = await new AuditLog(database.db, { now: () => new Date() }).verify(dataDir, {
      publicKey,
      policy: settings.policy,
      ...(settings.anchor ? { anchor: settings.anchor } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    if (result.ok && options.strict && (!given || !settings.anchor)) {
      const missing = [!given ? '--public-key' : undefined, !settings.anchor ? 'an anchor' : undefined].filter(Boolean).join(' and ');
      return {
        ...result,
        ok: false,
        problem: 'not_anchored',
        code: auditProblemCodes.not_anchored,
        reason: `--strict needs ${missing}: the data folder alone cannot prove the log`,
        ...context,
      };
    }
    return { ...result, ...context };
  } finally {
    await settings.anchor?.close();
  }
}
