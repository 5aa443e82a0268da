import { z } from 'zod';
import { stewardFinding } from '@delineate/deid';
import type { Database } from '@delineate/store';

/** One held file as a steward sees it: where and why it was held, never a value from it. */
export const QuarantinedFile = z.object({
  id: z.uuid(),
  projectId: z.uuid(),
  projectName: z.string(),
  sourceHash: z.string(),
  /** What held each file back and the element or pixel region concerned: never a value. */
  findings: z.array(
    z.object({
      stage: z.string(),
      kind: z.string(),
      where: z.string(),
      code: z.string().optional(),
      frame: z.number().int().optional(),
      region: z.object({ x: z.number().int(), y: z.number().int(), width: z.number().int(), height: z.number().int(), frame: z.number().int().optional() }).optional(),
    }),
  ),
  pixelRegions: z.array(z.unknown()),
  createdAt: z.string(),
  /** A view of the file with its attributes de-identified (pixels unchanged) for the steward. */
  hasView: z.boolean(),
  /** The upload or ingest run it came in (null for records kept before batches were recorded), its start and size. */
  batch: z.object({ id: z.uuid(), startedAt: z.string(), files: z.number().int() }).nullable(),
  /** `held` until a steward releases it (`releasing` while the release runs). */
  state: z.enum(['held', 'releasing']),
});
export type QuarantinedFile = z.infer<typeof QuarantinedFile>;

/**
 * The unresolved quarantine of some projects (or one file of it), oldest first: quarantined records that no later
 * run has passed and no steward has rejected.
 */
export async function quarantineQueue(database: Database, projectIds: readonly string[], onlyRecord?: string): Promise<QuarantinedFile[]> {
  if (projectIds.length === 0) return [];
  const db = database.db.withTables<{ quarantine_decisions: { record_id: string; decision: string } }>();
  const rows = await db
    .selectFrom('deid_records as q')
    .innerJoin('projects as pr', 'pr.id', 'q.project_id')
    .leftJoin('quarantine_decisions as d', 'd.record_id', 'q.id')
    .select(['q.id', 'q.project_id', 'pr.name as project_name', 'q.source_hash', 'q.findings', 'q.pixel_regions', 'q.created_at', 'q.output_hash', 'q.ingest_batch_id', 'd.decision'])
    .where('q.project_id', 'in', projectIds)
    .where('q.status', '=', 'quarantined')
    .$if(onlyRecord !== undefined, (qb) => qb.where('q.id', '=', onlyRecord!))
    .where((eb) => eb.or([eb('d.decision', 'is', null), eb('d.decision', '<>', 'rejected')]))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('deid_records as p')
            .select('p.id')
            .whereRef('p.source_hash', '=', 'q.source_hash')
            .whereRef('p.project_id', '=', 'q.project_id')
            .where('p.status', '=', 'passed'),
        ),
      ),
    )
    .orderBy('q.created_at')
    .orderBy('q.id')
    .execute();
  const batchIds = [...new Set(rows.flatMap((r) => (r.ingest_batch_id ? [r.ingest_batch_id] : [])))];
  const batches = new Map<string, { startedAt: string; files: number }>();
  if (batchIds.length > 0) {
    const counted = await database.db
      .selectFrom('deid_records')
      .select((eb) => ['ingest_batch_id', eb.fn.min('created_at').as('started'), eb.fn.countAll<string>().as('files')])
      .where('ingest_batch_id', 'in', batchIds)
      .groupBy('ingest_batch_id')
      .execute();
    for (const b of counted) if (b.ingest_batch_id) batches.set(b.ingest_batch_id, { startedAt: new Date(b.started as Date).toISOString(), files: Number(b.files) });
  }
  return rows.map((r) => {
    const batch = r.ingest_batch_id ? batches.get(r.ingest_batch_id) : undefined;
    return {
      id: r.id,
      projectId: r.project_id,
      projectName: r.project_name,
      sourceHash: r.source_hash,
      findings: (r.findings as unknown[]).map(stewardFinding),
      pixelRegions: r.pixel_regions as unknown[],
      createdAt: new Date(r.created_at).toISOString(),
      hasView: r.output_hash !== null,
      batch: batch && r.ingest_batch_id ? { id: r.ingest_batch_id, ...batch } : null,
      state: r.decision === 'released' ? 'releasing' : 'held',
    };
  });
}
