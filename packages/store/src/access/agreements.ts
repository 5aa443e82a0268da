import type { Kysely, Selectable } from 'kysely';
import { DelineateError, type AgreementKind, type IdentifiableUse, type OrganisationKind, type Region } from '@delineate/schema';
import type { DB } from '../sql/tables';
import type { DataAgreementsTable, OrganisationTables } from './organisations-tables';

/** Where an agreement stands at a moment: not yet signed, in force, or past its expiry. */
export type AgreementStatus = 'not_yet_in_force' | 'in_force' | 'expired';

export interface DataAgreement {
  readonly id: string;
  readonly projectId: string;
  readonly projectName: string;
  readonly organisationId: string;
  readonly organisationName: string;
  readonly kind: AgreementKind;
  readonly parties: readonly string[];
  readonly signedAt: string;
  readonly expiresAt: string | null;
  readonly identifiableUses: readonly IdentifiableUse[];
  readonly regions: readonly Region[];
  /** The agreement this one renews. */
  readonly renewsId: string | null;
  /** SHA-256 of the signed document (also its blob address), once uploaded. */
  readonly documentSha256: string | null;
  readonly documentSize: number | null;
  readonly recordedAt: string;
  readonly status: AgreementStatus;
  /** A later agreement of the same kind for the same organisation and project renews this one. */
  readonly renewed: boolean;
}

export interface RecordAgreementInput {
  readonly projectId: string;
  readonly organisationId: string;
  readonly kind: AgreementKind;
  readonly parties: readonly string[];
  readonly signedAt: Date;
  readonly expiresAt: Date | null;
  readonly identifiableUses: readonly IdentifiableUse[];
  readonly regions: readonly Region[];
  readonly recordedBy: string | null;
  readonly now: Date;
  readonly renewsId?: string;
}

/** A processor of the project's data (GDPR Art. 30(1)(d)): an admitted organisation and its agreements. */
export interface ProcessingRecordProcessor {
  readonly organisationId: string;
  readonly name: string;
  readonly kind: OrganisationKind;
  readonly roles: readonly string[];
  readonly agreements: readonly DataAgreement[];
}

export function agreementStatus(signedAt: Date, expiresAt: Date | null, now: Date): AgreementStatus {
  if (signedAt.getTime() > now.getTime()) return 'not_yet_in_force';
  if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'in_force';
}

/** Agreements (BAA, DPA, DUA) per organisation and project; nothing is overwritten, a renewal is a new record. */
export class AgreementRepository {
  readonly #db: Kysely<OrganisationTables>;

  constructor(db: Kysely<DB>) {
    this.#db = db as unknown as Kysely<OrganisationTables>;
  }

  async record(input: RecordAgreementInput): Promise<DataAgreement> {
    const [project, organisation] = await Promise.all([
      this.#db.selectFrom('projects').select('id').where('id', '=', input.projectId).executeTakeFirst(),
      this.#db.selectFrom('organisations').select('id').where('id', '=', input.organisationId).executeTakeFirst(),
    ]);
    if (!project || !organisation) throw new DelineateError('DLN_NOT_FOUND', 'No such project or organisation');
    const row = await this.#db
      .insertInto('data_agreements')
      .values({
        project_id: input.projectId,
        organisation_id: input.organisationId,
        kind: input.kind,
        parties: JSON.stringify(input.parties),
        signed_at: input.signedAt,
        expires_at: input.expiresAt,
        identifiable_uses: JSON.stringify(input.identifiableUses),
        regions: JSON.stringify(input.regions),
        renews_id: input.renewsId ?? null,
        recorded_by: input.recordedBy,
        recorded_at: input.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return (await this.get(row.id, input.now))!;
  }

  /** A new agreement with the same parties, scope and regions and new dates, renewing `id`. */
  async renew(id: string, input: { signedAt: Date; expiresAt: Date | null; recordedBy: string | null; now: Date }): Promise<DataAgreement> {
    const old = await this.#db.selectFrom('data_agreements').selectAll().where('id', '=', id).executeTakeFirst();
    if (!old) throw new DelineateError('DLN_NOT_FOUND', 'No such agreement');
    return this.record({
      projectId: old.project_id,
      organisationId: old.organisation_id,
      kind: old.kind as AgreementKind,
      parties: old.parties,
      signedAt: input.signedAt,
      expiresAt: input.expiresAt,
      identifiableUses: old.identifiable_uses as IdentifiableUse[],
      regions: old.regions as Region[],
      recordedBy: input.recordedBy,
      now: input.now,
      renewsId: id,
    });
  }

  async get(id: string, now: Date): Promise<DataAgreement | undefined> {
    if (!UUID.test(id)) return undefined;
    return (await this.list({ now, id }))[0];
  }

  /** Agreements, newest signing first; only those of `projectIds` when given. */
  async list(filter: { now: Date; projectIds?: readonly string[]; organisationId?: string; id?: string }): Promise<DataAgreement[]> {
    if (filter.projectIds?.length === 0) return [];
    let query = this.#db
      .selectFrom('data_agreements as a')
      .innerJoin('projects as p', 'p.id', 'a.project_id')
      .innerJoin('organisations as o', 'o.id', 'a.organisation_id')
      .selectAll('a')
      .select(['p.name as project_name', 'o.name as organisation_name'])
      .select((eb) =>
        eb
          .exists(eb.selectFrom('data_agreements as later').select('later.id').whereRef('later.renews_id', '=', 'a.id'))
          .as('renewed'),
      )
      .orderBy('a.signed_at', 'desc')
      .orderBy('a.recorded_at', 'desc');
    if (filter.projectIds) query = query.where('a.project_id', 'in', [...filter.projectIds]);
    if (filter.organisationId) query = query.where('a.organisation_id', '=', filter.organisationId);
    if (filter.id) query = query.where('a.id', '=', filter.id);
    return (await query.execute()).map((r) => toAgreement(r, r.project_name, r.organisation_name, Boolean(r.renewed), filter.now));
  }

  /**
   * Agreements in force now that end within `days` and have not been renewed, soonest first:
   * the warning list of platform and project administrators.
   */
  async expiring(now: Date, days: number, projectIds?: readonly string[]): Promise<DataAgreement[]> {
    const until = now.getTime() + days * 86_400_000;
    return (await this.list({ now, ...(projectIds ? { projectIds } : {}) }))
      .filter((a) => a.status === 'in_force' && !a.renewed && a.expiresAt !== null && Date.parse(a.expiresAt) <= until)
      .sort((a, b) => Date.parse(a.expiresAt!) - Date.parse(b.expiresAt!));
  }

  async attachDocument(id: string, document: { sha256: string; size: number; now: Date }): Promise<boolean> {
    const result = await this.#db
      .updateTable('data_agreements')
      .set({ document_hash: document.sha256, document_size: document.size, document_uploaded_at: document.now })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** The project an agreement belongs to (for the policy's resource lookup of document reads). */
  async projectOf(id: string): Promise<string | undefined> {
    if (!UUID.test(id)) return undefined;
    return (await this.#db.selectFrom('data_agreements').select('project_id').where('id', '=', id).executeTakeFirst())?.project_id;
  }

  /** Every organisation admitted to the project other than its owner, with all its agreements. */
  async processors(projectId: string, now: Date): Promise<ProcessingRecordProcessor[]> {
    const project = await this.#db.selectFrom('projects').select('owner_organisation_id').where('id', '=', projectId).executeTakeFirst();
    if (!project) throw new DelineateError('DLN_NOT_FOUND', 'Project not found');
    const admitted = await this.#db
      .selectFrom('project_organisations as po')
      .innerJoin('organisations as o', 'o.id', 'po.organisation_id')
      .select(['o.id', 'o.name', 'o.kind', 'po.roles'])
      .where('po.project_id', '=', projectId)
      .where('o.id', '!=', project.owner_organisation_id)
      .orderBy('o.name')
      .execute();
    const agreements = await this.list({ now, projectIds: [projectId] });
    return admitted.map((o) => ({ organisationId: o.id, name: o.name, kind: o.kind as OrganisationKind, roles: o.roles, agreements: agreements.filter((a) => a.organisationId === o.id) }));
  }
}

function toAgreement(row: Selectable<DataAgreementsTable>, projectName: string, organisationName: string, renewed: boolean, now: Date): DataAgreement {
  return {
    id: row.id,
    projectId: row.project_id,
    projectName,
    organisationId: row.organisation_id,
    organisationName,
    kind: row.kind as AgreementKind,
    parties: row.parties,
    signedAt: row.signed_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    identifiableUses: row.identifiable_uses as IdentifiableUse[],
    regions: row.regions as Region[],
    renewsId: row.renews_id,
    documentSha256: row.document_hash,
    documentSize: row.document_size,
    recordedAt: row.recorded_at.toISOString(),
    status: agreementStatus(row.signed_at, row.expires_at, now),
    renewed,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
