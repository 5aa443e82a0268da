import type { KeyObject } from 'node:crypto';
import { auditRowHash, type AuditRecord } from './chain';
import { checkpointSignatureValid, type AuditCheckpoint } from './checkpoints';

export type AuditVerifyProblem =
  | 'sequence_gap'
  | 'previous_hash_mismatch'
  | 'hash_mismatch'
  | 'truncated'
  | 'checkpoint_mismatch'
  | 'checkpoint_signature_invalid'
  | 'checkpoint_file_malformed'
  | 'head_mismatch';

export interface AuditVerifyResult {
  readonly ok: boolean;
  /** Rows whose hash was recomputed. */
  readonly rowsChecked: number;
  readonly lastSequence: number;
  readonly checkpointsChecked: number;
  /** The sequence number of the first row that is wrong or missing. */
  readonly firstBadSequence?: number;
  readonly problem?: AuditVerifyProblem;
}

export interface AuditVerifyInput {
  /** Rows in ascending sequence order, from the first. */
  readonly rows: AsyncIterable<AuditRecord> | Iterable<AuditRecord>;
  readonly checkpoints: readonly AuditCheckpoint[];
  readonly malformedCheckpointLines?: readonly number[];
  /** Checks the checkpoint signatures; without it any checkpoint counts as unsigned. */
  readonly publicKey: KeyObject | undefined;
  /** The chain head the writer keeps in the database (sequence and hash of the last row). */
  readonly head?: { readonly sequence: number; readonly hash: string | null };
}

/**
 * Recomputes the chain from the first row, then checks every signed checkpoint against it.
 * Names the first bad sequence number: a changed row fails its own hash, a deleted row leaves a
 * gap, reordered rows fail the hash of the first one moved, and rows cut off after a checkpoint
 * are missing at the sequence after the last row kept.
 */
export async function verifyAuditRows(input: AuditVerifyInput): Promise<AuditVerifyResult> {
  const hashes = new Map<number, string>();
  const wanted = new Set(input.checkpoints.map((c) => c.sequence));
  let expected = 1;
  let previousHash: string | null = null;
  let rowsChecked = 0;
  const fail = (problem: AuditVerifyProblem, firstBadSequence: number, checkpointsChecked = 0): AuditVerifyResult => ({
    ok: false,
    rowsChecked,
    lastSequence: expected - 1,
    checkpointsChecked,
    firstBadSequence,
    problem,
  });

  for await (const row of input.rows) {
    if (row.sequence !== expected) return fail('sequence_gap', expected);
    if (row.previousHash !== previousHash) return fail('previous_hash_mismatch', row.sequence);
    const { hash, ...unsealed } = row;
    if (auditRowHash(unsealed) !== hash) return fail('hash_mismatch', row.sequence);
    if (wanted.has(row.sequence)) hashes.set(row.sequence, hash);
    previousHash = hash;
    rowsChecked++;
    expected++;
  }
  const lastSequence = expected - 1;

  let checkpointsChecked = 0;
  if (input.malformedCheckpointLines && input.malformedCheckpointLines.length > 0) {
    return fail('checkpoint_file_malformed', lastSequence + 1);
  }
  for (const checkpoint of input.checkpoints) {
    if (!input.publicKey || !checkpointSignatureValid(input.publicKey, checkpoint)) {
      return fail('checkpoint_signature_invalid', checkpoint.sequence, checkpointsChecked);
    }
    if (checkpoint.sequence > lastSequence) return fail('truncated', lastSequence + 1, checkpointsChecked);
    if (hashes.get(checkpoint.sequence) !== checkpoint.hash) {
      return fail('checkpoint_mismatch', checkpoint.sequence, checkpointsChecked);
    }
    checkpointsChecked++;
  }
  if (input.head && (input.head.sequence !== lastSequence || input.head.hash !== previousHash)) {
    return fail(input.head.sequence > lastSequence ? 'truncated' : 'head_mismatch', lastSequence + 1, checkpointsChecked);
  }
  return { ok: true, rowsChecked, lastSequence, checkpointsChecked };
}
