import { randomUUID } from 'node:crypto';
import { DeidRecord, DelineateError, parseOrThrow } from '@delineate/schema';
import type { Kysely, Selectable } from 'kysely';
import type { DB, DeidRecordsTable } from '../sql/tables';
import type { Clock } from './annotations';
import { translated } from './db-errors';

export type RecordDeidInput = Omit<DeidRecord, 'id' | 'createdAt'>;

/**
 * De-identification records: what was done to one source object (actions per attribute path,
 * never raw values) and whether the output `passed` or was `quarantined`. The gate
 * (ARCHITECTURE §1) asks {@link requirePassed} before anything reaches an annotator.
 */
export class DeidRecordRepository {
  readonly #db: Kysely<DB>;
  readonly #clock: Clock;

  constructor(db: Kysely<DB>, options: { clock?: Clock } = {}) {
    this.#db = db;
    this.#clock = options.clock ?? (() => new Date());
  }

  async record(input: RecordDeidInput): Promise<DeidRecord> {
    const record = parseOrThrow(DeidRecord, { ...input, id: randomUUID(), createdAt: this.#clock().toISOString() });
    const row = await translated(() =>
      this.#db
        .insertInto('deid_records')
        .values({
          id: record.id,
          project_id: record.projectId,
          source_hash: record.sourceHash,
          output_hash: record.outputHash,
          profile: record.profile,
          options: JSON.stringify(record.options),
          actions: JSON.stringify(record.actions),
          pixel_regions: JSON.stringify(record.pixelRegionsRedacted),
          findings: JSON.stringify(record.findings),
          status: record.status,
          created_at: record.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toDeidRecord(row);
  }

  async get(id: string): Promise<DeidRecord> {
    const row = await translated(() => this.#db.selectFrom('deid_records').selectAll().where('id', '=', id).executeTakeFirst());
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'De-identification record not found');
    return toDeidRecord(row);
  }

  /** The `passed` record whose output is the blob `outputHash` in the project, if any. */
  async findPassed(projectId: string, outputHash: string): Promise<DeidRecord | undefined> {
    const row = await translated(() =>
      this.#db
        .selectFrom('deid_records')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('output_hash', '=', outputHash)
        .where('status', '=', 'passed')
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst(),
    );
    return row ? toDeidRecord(row) : undefined;
  }

  /** Throws DLN_DEID_QUARANTINED unless a `passed` record exists for the output blob. */
  async requirePassed(projectId: string, outputHash: string): Promise<DeidRecord> {
    const record = await this.findPassed(projectId, outputHash);
    if (!record) throw new DelineateError('DLN_DEID_QUARANTINED', 'No passed de-identification record for this object');
    return record;
  }

  async listForSource(projectId: string, sourceHash: string): Promise<DeidRecord[]> {
    const rows = await translated(() =>
      this.#db
        .selectFrom('deid_records')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('source_hash', '=', sourceHash)
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
    );
    return rows.map(toDeidRecord);
  }
}

function toDeidRecord(row: Selectable<DeidRecordsTable>): DeidRecord {
  return DeidRecord.parse({
    id: row.id,
    projectId: row.project_id,
    sourceHash: row.source_hash,
    outputHash: row.output_hash,
    profile: row.profile,
    options: row.options,
    actions: row.actions,
    pixelRegionsRedacted: row.pixel_regions,
    findings: row.findings,
    status: row.status,
    createdAt: row.created_at.toISOString(),
  });
}
