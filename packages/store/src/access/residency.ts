import type { Kysely } from 'kysely';
import { DelineateError } from '@delineate/schema';
import type { DB } from '../sql/tables';
import type { AccessTables } from './tables';

/**
 * Data residency (GDPR Art. 44–49): each project has one region; the database, the blob
 * stores and the workers each have one. Data is never stored or processed outside the
 * project's region, and an export to another region needs a recorded transfer basis.
 */
export const transferBases = [
  'art46_standard_contractual_clauses',
  'art46_binding_corporate_rules',
  'art46_code_of_conduct',
  'art46_certification',
  'art49_explicit_consent',
  'art49_public_interest',
  'art49_legal_claims',
] as const;
export type TransferBasis = (typeof transferBases)[number];

export interface StorageRegions {
  readonly database: string;
  readonly blobStores: readonly string[];
}

export interface ResidencyProblem {
  readonly projectId: string;
  readonly projectRegion: string;
  readonly store: 'database' | 'blob_store';
  readonly storeRegion: string;
}

/** Every (project, store) pair whose regions differ. */
export function residencyProblems(projects: ReadonlyArray<{ id: string; region: string }>, regions: StorageRegions): ResidencyProblem[] {
  const problems: ResidencyProblem[] = [];
  for (const p of projects) {
    if (p.region !== regions.database) problems.push({ projectId: p.id, projectRegion: p.region, store: 'database', storeRegion: regions.database });
    for (const blob of regions.blobStores) {
      if (p.region !== blob) problems.push({ projectId: p.id, projectRegion: p.region, store: 'blob_store', storeRegion: blob });
    }
  }
  return problems;
}

/** Refuses to start when any project's data would be stored outside its region. */
export async function assertResidency(db: Kysely<DB>, regions: StorageRegions): Promise<void> {
  const projects = await db.selectFrom('projects').select(['id', 'region']).execute();
  const problems = residencyProblems(projects, regions);
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new DelineateError('DLN_REGION_MISMATCH', `${problems.length} project(s) would store data outside their region`, {
      projectId: first.projectId,
      projectRegion: first.projectRegion,
      store: first.store,
      storeRegion: first.storeRegion,
    });
  }
}

/** A worker claims a project's job only inside the project's region. */
export function assertWorkerMayClaim(workerRegion: string, projectRegion: string): void {
  if (workerRegion !== projectRegion) {
    throw new DelineateError('DLN_REGION_MISMATCH', 'This worker is outside the project’s region and may not process its data', { workerRegion, projectRegion });
  }
}

export interface TransferBasisRecord {
  readonly id: string;
  readonly projectId: string;
  readonly destinationRegion: string;
  readonly basis: TransferBasis;
  readonly description: string;
  readonly recordedBy: string;
  readonly recordedAt: string;
  readonly validUntil: string | null;
}

export class TransferRepository {
  readonly #db: Kysely<AccessTables>;
  readonly #raw: Kysely<DB>;

  constructor(db: Kysely<DB>) {
    this.#raw = db;
    this.#db = db as unknown as Kysely<AccessTables>;
  }

  async record(input: {
    projectId: string;
    destinationRegion: string;
    basis: TransferBasis;
    description: string;
    recordedBy: string;
    validUntil: Date | null;
    now: Date;
  }): Promise<TransferBasisRecord> {
    const row = await this.#db
      .insertInto('transfer_bases')
      .values({
        project_id: input.projectId,
        destination_region: input.destinationRegion,
        basis: input.basis,
        description: input.description,
        recorded_by: input.recordedBy,
        recorded_at: input.now,
        valid_until: input.validUntil,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRecord(row);
  }

  async list(projectId?: string): Promise<TransferBasisRecord[]> {
    let query = this.#db.selectFrom('transfer_bases').selectAll().orderBy('recorded_at');
    if (projectId !== undefined) query = query.where('project_id', '=', projectId);
    return (await query.execute()).map(toRecord);
  }

  /**
   * The basis that allows exporting this project's data to `destinationRegion` now; throws
   * DLN_REGION_MISMATCH when the region differs and no valid basis is recorded.
   */
  async assertExportAllowed(projectId: string, destinationRegion: string, now: Date): Promise<TransferBasisRecord | undefined> {
    const project = await this.#raw.selectFrom('projects').select('region').where('id', '=', projectId).executeTakeFirst();
    if (!project) throw new DelineateError('DLN_NOT_FOUND', 'Project not found');
    if (project.region === destinationRegion) return undefined;
    const valid = (await this.list(projectId)).find(
      (b) => b.destinationRegion === destinationRegion && (b.validUntil === null || Date.parse(b.validUntil) > now.getTime()),
    );
    if (!valid) {
      throw new DelineateError('DLN_REGION_MISMATCH', 'Exporting to another region needs a transfer basis (GDPR Art. 46 or 49) recorded by a data steward', {
        projectRegion: project.region,
        destinationRegion,
      });
    }
    return valid;
  }
}

function toRecord(row: {
  id: string;
  project_id: string;
  destination_region: string;
  basis: string;
  description: string;
  recorded_by: string;
  recorded_at: Date;
  valid_until: Date | null;
}): TransferBasisRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    destinationRegion: row.destination_region,
    basis: row.basis as TransferBasis,
    description: row.description,
    recordedBy: row.recorded_by,
    recordedAt: row.recorded_at.toISOString(),
    validUntil: row.valid_until?.toISOString() ?? null,
  };
}
