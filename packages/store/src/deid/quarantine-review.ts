import type { ColumnType, Generated, Kysely } from 'kysely';
import type { DB } from '../sql/tables';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string, string>;

/** Migration 0730. */
export interface QuarantineGateChecksTable {
  id: Generated<string>;
  record_id: string;
  job_id: string | null;
  regions: Json<unknown[]>;
  outcome: string | null;
  findings: ColumnType<unknown[], string | undefined, string>;
  requested_by: string;
  created_at: Timestamp;
  finished_at: NullableTimestamp;
}

export interface QuarantineDecisionsTable {
  record_id: string;
  decision: string;
  note: string;
  check_id: string | null;
  release_job_id: string | null;
  decided_by: string;
  decided_at: Timestamp;
}

type Tables = DB & { quarantine_gate_checks: QuarantineGateChecksTable; quarantine_decisions: QuarantineDecisionsTable };

export type GateCheckOutcome = 'passes' | 'fails';

/** One trial of the gate with a steward's rectangles; `outcome` is null until the job has run. */
export interface GateCheck {
  readonly id: string;
  readonly recordId: string;
  readonly jobId: string | null;
  readonly regions: unknown[];
  readonly outcome: GateCheckOutcome | null;
  /** Steward findings (stage, kind, where, region): never a value. */
  readonly findings: unknown[];
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
}

export type QuarantineDecisionKind = 'released' | 'rejected';

export interface QuarantineDecision {
  readonly recordId: string;
  readonly decision: QuarantineDecisionKind;
  readonly note: string;
  readonly checkId: string | null;
  readonly releaseJobId: string | null;
  readonly decidedBy: string;
  readonly decidedAt: Date;
}

/**
 * What a data steward did with a quarantined file: trials of the gate and the final decision.
 * The de-identification records themselves stay append-only; this only records the review.
 */
export class QuarantineReviewRepository {
  readonly #db: Kysely<Tables>;

  constructor(db: Kysely<DB>) {
    this.#db = db as unknown as Kysely<Tables>;
  }

  async createCheck(input: { recordId: string; regions: readonly unknown[]; requestedBy: string; now: Date }): Promise<string> {
    const row = await this.#db
      .insertInto('quarantine_gate_checks')
      .values({ record_id: input.recordId, regions: JSON.stringify(input.regions), requested_by: input.requestedBy, created_at: input.now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async attachJob(checkId: string, jobId: string): Promise<void> {
    await this.#db.updateTable('quarantine_gate_checks').set({ job_id: jobId }).where('id', '=', checkId).execute();
  }

  async finishCheck(checkId: string, outcome: GateCheckOutcome, findings: readonly unknown[], now: Date): Promise<void> {
    await this.#db.updateTable('quarantine_gate_checks').set({ outcome, findings: JSON.stringify(findings), finished_at: now }).where('id', '=', checkId).execute();
  }

  async check(checkId: string): Promise<GateCheck | undefined> {
    const row = await this.#db.selectFrom('quarantine_gate_checks').selectAll().where('id', '=', checkId).executeTakeFirst();
    return row && toCheck(row);
  }

  /** The steward's latest trial of the gate for a record. */
  async latestCheck(recordId: string): Promise<GateCheck | undefined> {
    const row = await this.#db.selectFrom('quarantine_gate_checks').selectAll().where('record_id', '=', recordId).orderBy('created_at', 'desc').orderBy('id').limit(1).executeTakeFirst();
    return row && toCheck(row);
  }

  async decision(recordId: string): Promise<QuarantineDecision | undefined> {
    const row = await this.#db.selectFrom('quarantine_decisions').selectAll().where('record_id', '=', recordId).executeTakeFirst();
    return (
      row && {
        recordId: row.record_id,
        decision: row.decision as QuarantineDecisionKind,
        note: row.note,
        checkId: row.check_id,
        releaseJobId: row.release_job_id,
        decidedBy: row.decided_by,
        decidedAt: row.decided_at,
      }
    );
  }

  /** Records (or, after a release job that failed, replaces) the decision on a record. */
  async decide(input: { recordId: string; decision: QuarantineDecisionKind; note: string; checkId: string | null; releaseJobId: string | null; decidedBy: string; now: Date }): Promise<void> {
    const values = {
      decision: input.decision,
      note: input.note,
      check_id: input.checkId,
      release_job_id: input.releaseJobId,
      decided_by: input.decidedBy,
      decided_at: input.now,
    };
    await this.#db
      .insertInto('quarantine_decisions')
      .values({ record_id: input.recordId, ...values })
      .onConflict((oc) => oc.column('record_id').doUpdateSet(values))
      .execute();
  }
}

function toCheck(row: { id: string; record_id: string; job_id: string | null; regions: unknown[]; outcome: string | null; findings: unknown[]; created_at: Date; finished_at: Date | null }): GateCheck {
  return {
    id: row.id,
    recordId: row.record_id,
    jobId: row.job_id,
    regions: row.regions,
    outcome: row.outcome as GateCheckOutcome | null,
    findings: row.findings,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}
