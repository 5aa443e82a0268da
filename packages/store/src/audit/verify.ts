import type { KeyObject } from 'node:crypto';
import type { ErrorCode } from '@delineate/schema';
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
  | 'head_mismatch'
  | 'checkpoint_missing'
  | 'checkpoint_overdue'
  | 'anchor_mismatch'
  | 'anchor_conflict'
  | 'anchor_malformed'
  | 'not_anchored';

/** The stable error code of each problem (`DLN_AUDIT_*`). */
export const auditProblemCodes: Readonly<Record<AuditVerifyProblem, ErrorCode>> = {
  sequence_gap: 'DLN_AUDIT_CHAIN_BROKEN',
  previous_hash_mismatch: 'DLN_AUDIT_CHAIN_BROKEN',
  hash_mismatch: 'DLN_AUDIT_CHAIN_BROKEN',
  truncated: 'DLN_AUDIT_CHAIN_BROKEN',
  head_mismatch: 'DLN_AUDIT_CHAIN_BROKEN',
  checkpoint_mismatch: 'DLN_AUDIT_CHAIN_BROKEN',
  checkpoint_signature_invalid: 'DLN_AUDIT_CHECKPOINT_INVALID',
  checkpoint_file_malformed: 'DLN_AUDIT_CHECKPOINT_INVALID',
  checkpoint_missing: 'DLN_AUDIT_CHECKPOINT_MISSING',
  checkpoint_overdue: 'DLN_AUDIT_CHECKPOINT_MISSING',
  anchor_mismatch: 'DLN_AUDIT_ANCHOR_MISMATCH',
  anchor_conflict: 'DLN_AUDIT_ANCHOR_MISMATCH',
  anchor_malformed: 'DLN_AUDIT_ANCHOR_MISMATCH',
  not_anchored: 'DLN_AUDIT_UNANCHORED',
};

/**
 * When the writer must checkpoint: after `everyEvents` events since the last checkpoint (at the
 * end of the append that reaches it), and `everyMs` after the last checkpoint once there were
 * events since (at the first append or timer tick after that). `graceMs` allows for the tick.
 */
export interface AuditCheckpointPolicy {
  readonly everyEvents: number;
  readonly everyMs: number;
  readonly graceMs: number;
}

export interface AuditVerifyResult {
  readonly ok: boolean;
  /** Rows whose hash was recomputed. */
  readonly rowsChecked: number;
  readonly lastSequence: number;
  readonly checkpointsChecked: number;
  /** The sequence number of the first row that is wrong or missing. */
  readonly firstBadSequence?: number;
  readonly problem?: AuditVerifyProblem;
  /** `DLN_AUDIT_*` when verification failed. */
  readonly code?: ErrorCode;
  /** One line: what is wrong, where (no row content). */
  readonly reason?: string;
  /** Rows after the last checkpoint (anchored, when an anchor was read): not yet covered by a signature. */
  readonly unanchoredRows?: number;
  /** Checkpoints read from the anchor, when one was given. */
  readonly anchorCheckpoints?: number;
}

export interface AuditVerifyInput {
  /** Rows in ascending sequence order, from the first. */
  readonly rows: AsyncIterable<AuditRecord> | Iterable<AuditRecord>;
  /** The data folder's checkpoint file. */
  readonly checkpoints: readonly AuditCheckpoint[];
  readonly malformedCheckpointLines?: readonly number[];
  /** Checks the checkpoint signatures; without it any checkpoint counts as unsigned. */
  readonly publicKey: KeyObject | undefined;
  /** The chain head the writer keeps in the database (sequence and hash of the last row). */
  readonly head?: { readonly sequence: number; readonly hash: string | null };
  /** The copy kept outside the data folder; it is the reference when given. */
  readonly anchor?: { readonly checkpoints: readonly AuditCheckpoint[]; readonly malformed: number };
  /** With a policy, every interval it requires must have its checkpoint (a gap fails). */
  readonly policy?: AuditCheckpointPolicy;
  /** The time of verification, for rows whose checkpoint is overdue (default now). */
  readonly now?: Date;
}

interface Failure {
  readonly problem: AuditVerifyProblem;
  readonly sequence: number;
  readonly reason: string;
}

/**
 * Recomputes the chain from the first row, then checks the checkpoints against it: their
 * signatures, that the data folder's file and the anchor hold the same ones, and (with a
 * policy) that none the policy requires is missing. Names the first bad sequence number: a
 * changed row fails its own hash, a deleted row leaves a gap, reordered rows fail the hash of
 * the first one moved, and rows cut off after a checkpoint are missing at the sequence after
 * the last row kept.
 */
export async function verifyAuditRows(input: AuditVerifyInput): Promise<AuditVerifyResult> {
  const anchored = input.anchor !== undefined;
  // The anchor cannot be rewritten by the data folder's owner, so it decides what must exist.
  const reference = sortCheckpoints(input.anchor ? input.anchor.checkpoints : input.checkpoints);
  const hashes = new Map<number, string>();
  const wanted = new Set([...input.checkpoints, ...reference].map((c) => c.sequence));
  const gaps = input.policy ? new GapFinder(input.policy, reference) : undefined;
  let expected = 1;
  let previousHash: string | null = null;
  let rowsChecked = 0;
  let checkpointsChecked = 0;
  const fail = (failure: Failure): AuditVerifyResult => ({
    ok: false,
    rowsChecked,
    lastSequence: expected - 1,
    checkpointsChecked,
    firstBadSequence: failure.sequence,
    problem: failure.problem,
    code: auditProblemCodes[failure.problem],
    reason: failure.reason,
    ...(anchored ? { anchorCheckpoints: input.anchor!.checkpoints.length } : {}),
  });

  for await (const row of input.rows) {
    if (row.sequence !== expected) return fail({ problem: 'sequence_gap', sequence: expected, reason: `row ${expected} is missing` });
    if (row.previousHash !== previousHash) {
      return fail({ problem: 'previous_hash_mismatch', sequence: row.sequence, reason: `row ${row.sequence} does not link to row ${row.sequence - 1}` });
    }
    const { hash, ...unsealed } = row;
    if (auditRowHash(unsealed) !== hash) {
      return fail({ problem: 'hash_mismatch', sequence: row.sequence, reason: `row ${row.sequence} was changed after it was written (its hash does not match)` });
    }
    if (wanted.has(row.sequence)) hashes.set(row.sequence, hash);
    gaps?.row(row);
    previousHash = hash;
    rowsChecked++;
    expected++;
  }
  const lastSequence = expected - 1;

  if (input.malformedCheckpointLines && input.malformedCheckpointLines.length > 0) {
    return fail({
      problem: 'checkpoint_file_malformed',
      sequence: lastSequence + 1,
      reason: `the checkpoint file has ${input.malformedCheckpointLines.length} unreadable line(s), first line ${input.malformedCheckpointLines[0]}`,
    });
  }
  if (input.anchor && input.anchor.malformed > 0) {
    return fail({ problem: 'anchor_malformed', sequence: lastSequence + 1, reason: `the anchor holds ${input.anchor.malformed} unreadable checkpoint record(s)` });
  }
  const check = (checkpoint: AuditCheckpoint, where: string): Failure | undefined => {
    if (!input.publicKey || !checkpointSignatureValid(input.publicKey, checkpoint)) {
      return { problem: 'checkpoint_signature_invalid', sequence: checkpoint.sequence, reason: `the ${where} checkpoint at row ${checkpoint.sequence} is not signed by the given public key` };
    }
    if (checkpoint.sequence > lastSequence) {
      return { problem: 'truncated', sequence: lastSequence + 1, reason: `the ${where} checkpoint at row ${checkpoint.sequence} covers rows that are gone (last row ${lastSequence})` };
    }
    if (hashes.get(checkpoint.sequence) !== checkpoint.hash) {
      return { problem: 'checkpoint_mismatch', sequence: checkpoint.sequence, reason: `rows up to ${checkpoint.sequence} differ from what the ${where} checkpoint signed` };
    }
    return undefined;
  };
  for (const checkpoint of input.checkpoints) {
    const failure = check(checkpoint, 'data folder');
    if (failure) return fail(failure);
    checkpointsChecked++;
  }
  if (input.anchor) {
    const problem = compareWithAnchor(input.checkpoints, input.anchor.checkpoints, (c) => check(c, 'anchored'));
    if (problem) return fail(problem);
  }
  const gap = gaps?.finish(input.now ?? new Date());
  if (gap) return fail(gap);
  if (input.head && (input.head.sequence !== lastSequence || input.head.hash !== previousHash)) {
    return fail(
      input.head.sequence > lastSequence
        ? { problem: 'truncated', sequence: lastSequence + 1, reason: `the chain head names row ${input.head.sequence}, the last row is ${lastSequence}` }
        : { problem: 'head_mismatch', sequence: lastSequence + 1, reason: 'the chain head does not match the last row' },
    );
  }
  const lastCovered = reference.length > 0 ? reference[reference.length - 1]!.sequence : 0;
  return {
    ok: true,
    rowsChecked,
    lastSequence,
    checkpointsChecked,
    ...(anchored || input.policy ? { unanchoredRows: Math.max(0, lastSequence - lastCovered) } : {}),
    ...(anchored ? { anchorCheckpoints: input.anchor!.checkpoints.length } : {}),
  };
}

function sortCheckpoints(checkpoints: readonly AuditCheckpoint[]): AuditCheckpoint[] {
  return [...checkpoints].sort((a, b) => a.sequence - b.sequence || Date.parse(a.time) - Date.parse(b.time));
}

/**
 * The writer sends each checkpoint to the anchor before the data folder's file, so the file
 * holds a subset of the anchor: one the anchor lacks was added afterwards, one the file lacks
 * was deleted from it. Two anchored records that disagree on a row were not both written here.
 */
function compareWithAnchor(
  local: readonly AuditCheckpoint[],
  anchor: readonly AuditCheckpoint[],
  check: (checkpoint: AuditCheckpoint) => Failure | undefined,
): Failure | undefined {
  const anchoredHash = new Map<number, string>();
  for (const checkpoint of sortCheckpoints(anchor)) {
    const known = anchoredHash.get(checkpoint.sequence);
    if (known !== undefined && known !== checkpoint.hash) {
      return { problem: 'anchor_conflict', sequence: checkpoint.sequence, reason: `the anchor holds two different checkpoints for row ${checkpoint.sequence}` };
    }
    anchoredHash.set(checkpoint.sequence, checkpoint.hash);
    const failure = check(checkpoint);
    if (failure) return failure.problem === 'checkpoint_mismatch' ? { ...failure, problem: 'anchor_mismatch' } : failure;
  }
  const key = (c: AuditCheckpoint) => `${c.sequence}:${c.hash}:${c.time}`;
  const anchoredKeys = new Set(anchor.map(key));
  for (const checkpoint of sortCheckpoints(local)) {
    if (!anchoredKeys.has(key(checkpoint))) {
      return { problem: 'anchor_mismatch', sequence: checkpoint.sequence, reason: `the data folder has a checkpoint at row ${checkpoint.sequence} that the anchor never received` };
    }
  }
  const localKeys = new Set(local.map(key));
  for (const checkpoint of sortCheckpoints(anchor)) {
    if (!localKeys.has(key(checkpoint))) {
      return { problem: 'checkpoint_missing', sequence: checkpoint.sequence, reason: `the checkpoint at row ${checkpoint.sequence} is in the anchor but was removed from the data folder` };
    }
  }
  return undefined;
}

/**
 * Walks the rows beside the reference checkpoints and finds the first interval the policy
 * required a checkpoint for and none exists: by count (a row appended in a later batch than
 * the one that reached `everyEvents` since the last checkpoint) or by time (a row, checkpoint
 * or the verification itself later than the due time of the first row after the last checkpoint).
 */
class GapFinder {
  readonly #policy: AuditCheckpointPolicy;
  readonly #checkpoints: readonly AuditCheckpoint[];
  #next = 0;
  /** The last checkpoint passed: its row and time (before the first: row 0, first row's time). */
  #since: { sequence: number; timeMs: number | undefined } = { sequence: 0, timeMs: undefined };
  /** The first row after it, whose time starts the time rule. */
  #firstOpen: { sequence: number; timeMs: number } | undefined;
  /** The time of the batch that reached the count, once reached. */
  #countReachedAtMs: number | undefined;
  #failure: Failure | undefined;

  constructor(policy: AuditCheckpointPolicy, checkpoints: readonly AuditCheckpoint[]) {
    this.#policy = policy;
    this.#checkpoints = checkpoints;
  }

  #dueMs(): number | undefined {
    if (!this.#firstOpen) return undefined;
    const since = this.#since.timeMs ?? this.#firstOpen.timeMs;
    return Math.max(since + this.#policy.everyMs, this.#firstOpen.timeMs) + this.#policy.graceMs;
  }

  #missing(reason: string): void {
    this.#failure ??= { problem: 'checkpoint_missing', sequence: this.#firstOpen?.sequence ?? this.#since.sequence + 1, reason };
  }

  row(row: AuditRecord): void {
    if (this.#failure) return;
    const timeMs = Date.parse(row.time);
    const open = this.#since.sequence + 1;
    if (this.#firstOpen === undefined) this.#firstOpen = { sequence: row.sequence, timeMs };
    const due = this.#dueMs()!;
    if (row.sequence > this.#firstOpen.sequence && timeMs > due) {
      this.#missing(`no checkpoint covers rows ${open}–${row.sequence - 1} although one was due by time before row ${row.sequence} was written`);
    } else if (this.#countReachedAtMs !== undefined && timeMs !== this.#countReachedAtMs) {
      this.#missing(`no checkpoint covers rows ${open}–${row.sequence - 1} although ${this.#policy.everyEvents} events were reached`);
    }
    if (row.sequence - this.#since.sequence === this.#policy.everyEvents) this.#countReachedAtMs = timeMs;
    while (this.#next < this.#checkpoints.length && this.#checkpoints[this.#next]!.sequence === row.sequence) {
      const checkpoint = this.#checkpoints[this.#next++]!;
      const at = Date.parse(checkpoint.time);
      if (at > due && !this.#failure) {
        this.#missing(`the checkpoint at row ${row.sequence} came after its due time: one in between is missing`);
      }
      this.#since = { sequence: row.sequence, timeMs: at };
      this.#firstOpen = undefined;
      this.#countReachedAtMs = undefined;
    }
    // Checkpoints at rows before this one were skipped by a gap or reordering; the signature
    // and hash checks report those.
    while (this.#next < this.#checkpoints.length && this.#checkpoints[this.#next]!.sequence < row.sequence) this.#next++;
  }

  finish(now: Date): Failure | undefined {
    if (this.#failure) return this.#failure;
    const due = this.#dueMs();
    if (due !== undefined && now.getTime() > due) {
      return {
        problem: 'checkpoint_overdue',
        sequence: this.#firstOpen!.sequence,
        reason: `rows from ${this.#firstOpen!.sequence} on have no checkpoint although one was due at ${new Date(due - this.#policy.graceMs).toISOString()}`,
      };
    }
    return undefined;
  }
}
