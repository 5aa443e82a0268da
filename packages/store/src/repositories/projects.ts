import {
  CreateProjectRequest,
  DeidSettings,
  DelineateError,
  parseOrThrow,
  type DeidOptionName,
  type LegalBasis,
  type Modality,
  type OversightModel,
  type Project,
  type Region,
} from '@delineate/schema';
import type { Kysely, Selectable } from 'kysely';
import type { DB, ProjectsTable } from '../sql/tables';
import { translated } from './db-errors';

export type CreateProjectInput = CreateProjectRequest;

export class ProjectRepository {
  readonly #db: Kysely<DB>;

  constructor(db: Kysely<DB>) {
    this.#db = db;
  }

  async create(input: CreateProjectInput): Promise<Project> {
    const p = parseOrThrow(CreateProjectRequest, input);
    const row = await translated(() =>
      this.#db
        .insertInto('projects')
        .values({
          name: p.name,
          modality: p.modality,
          oversight_model: p.oversightModel,
          region: p.region,
          purpose: p.purpose,
          legal_basis: p.legalBasis,
          label_schema_id: p.labelSchema.id,
          label_schema_version: p.labelSchema.version,
          review_protocol_id: p.reviewProtocol.id,
          review_protocol_version: p.reviewProtocol.version,
          agreement_fraction: p.agreementSampling.fraction,
          agreement_readers: p.agreementSampling.readersPerItem,
          agreement_blinded: p.agreementSampling.blinded,
          deid_profile: p.deid.profile,
          deid_options: JSON.stringify(p.deid.options),
          accepted_modalities: acceptedBeyond(p.modality, p.acceptedModalities),
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toProject(row);
  }

  async get(id: string): Promise<Project> {
    const row = await translated(() => this.#db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst());
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Project not found');
    return toProject(row);
  }

  async findByName(name: string): Promise<Project | undefined> {
    const row = await translated(() => this.#db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst());
    return row ? toProject(row) : undefined;
  }

  /** Sets the modalities ingest accepts besides the project's own (which is always accepted). */
  async setAcceptedModalities(id: string, listed: readonly Modality[]): Promise<Project> {
    const project = await this.get(id);
    const row = await translated(() =>
      this.#db.updateTable('projects').set({ accepted_modalities: acceptedBeyond(project.modality, listed) }).where('id', '=', id).returningAll().executeTakeFirstOrThrow(),
    );
    return toProject(row);
  }

  async list(): Promise<Project[]> {
    const rows = await translated(() => this.#db.selectFrom('projects').selectAll().orderBy('created_at').orderBy('id').execute());
    return rows.map(toProject);
  }
}

/** The listed modalities other than the project's own, as stored (null when none). */
function acceptedBeyond(modality: Modality, listed: readonly Modality[] | undefined): string | null {
  const others = [...new Set(listed ?? [])].filter((m) => m !== modality);
  return others.length ? JSON.stringify(others) : null;
}

export function toProject(row: Selectable<ProjectsTable>): Project {
  return {
    id: row.id,
    name: row.name,
    modality: row.modality as Modality,
    acceptedModalities: [row.modality as Modality, ...((row.accepted_modalities ?? []) as Modality[])],
    oversightModel: row.oversight_model as OversightModel,
    region: row.region as Region,
    purpose: row.purpose,
    legalBasis: row.legal_basis as LegalBasis,
    labelSchema: { id: row.label_schema_id, version: row.label_schema_version },
    reviewProtocol: { id: row.review_protocol_id, version: row.review_protocol_version },
    agreementSampling: { fraction: row.agreement_fraction, readersPerItem: row.agreement_readers, blinded: row.agreement_blinded },
    deid: DeidSettings.parse({ profile: row.deid_profile, options: row.deid_options as DeidOptionName[] }),
    createdAt: row.created_at.toISOString(),
  };
}
