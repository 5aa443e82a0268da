import type { Kysely } from 'kysely';
import { DelineateError, type AgreementKind, type OrganisationKind, type Role } from '@delineate/schema';
import type { DB } from '../sql/tables';
import type { OrganisationTables } from './organisations-tables';

export interface Organisation {
  readonly id: string;
  readonly name: string;
  readonly kind: OrganisationKind;
  readonly createdAt: string;
  /** Accounts that belong to it. */
  readonly members: number;
}

export interface ProjectAdmission {
  readonly organisationId: string;
  readonly name: string;
  readonly kind: OrganisationKind;
  readonly roles: readonly Role[];
  readonly admittedAt: string;
}

/** Who owns a project, what agreements it asks of other organisations and whom it admits. */
export interface ProjectGovernance {
  readonly projectId: string;
  readonly region: string;
  readonly ownerOrganisationId: string;
  /** Null: the defaults by region. */
  readonly requiredAgreements: readonly AgreementKind[] | null;
  readonly admitted: readonly ProjectAdmission[];
}

/** What the policy function needs of a person's organisation: its admissions and agreements. */
export interface OrganisationStanding {
  readonly organisationId: string;
  readonly admissions: readonly { readonly projectId: string; readonly roles: readonly string[] }[];
  readonly agreements: readonly StandingAgreement[];
}

export interface StandingAgreement {
  readonly projectId: string;
  readonly kind: string;
  readonly signedAt: Date;
  readonly expiresAt: Date | null;
  readonly identifiableUses: readonly string[];
  readonly regions: readonly string[];
}

/** Organisations, the organisation of each account, and which organisations a project admits. */
export class OrganisationRepository {
  readonly #db: Kysely<OrganisationTables>;

  constructor(db: Kysely<DB>) {
    this.#db = db as unknown as Kysely<OrganisationTables>;
  }

  async create(input: { name: string; kind: OrganisationKind; now: Date }): Promise<Organisation> {
    const taken = await this.#db.selectFrom('organisations').select('id').where((eb) => eb(eb.fn('lower', ['name']), '=', input.name.toLowerCase())).executeTakeFirst();
    if (taken) throw new DelineateError('DLN_ORGANISATION_NAME_TAKEN', 'An organisation of that name exists already');
    const row = await this.#db.insertInto('organisations').values({ name: input.name, kind: input.kind, created_at: input.now }).returningAll().executeTakeFirstOrThrow();
    return { id: row.id, name: row.name, kind: row.kind as OrganisationKind, createdAt: row.created_at.toISOString(), members: 0 };
  }

  /** Renames an organisation or changes its kind (e.g. the installation's operator is a hospital). */
  async update(id: string, input: { name: string; kind: OrganisationKind }): Promise<void> {
    const taken = await this.#db.selectFrom('organisations').select('id').where((eb) => eb(eb.fn('lower', ['name']), '=', input.name.toLowerCase())).where('id', '!=', id).executeTakeFirst();
    if (taken) throw new DelineateError('DLN_ORGANISATION_NAME_TAKEN', 'An organisation of that name exists already');
    await this.#db.updateTable('organisations').set({ name: input.name, kind: input.kind }).where('id', '=', id).execute();
  }

  async list(): Promise<Organisation[]> {
    const rows = await this.#db
      .selectFrom('organisations as o')
      .select(['o.id', 'o.name', 'o.kind', 'o.created_at'])
      .select((eb) => eb.selectFrom('users as u').whereRef('u.organisation_id', '=', 'o.id').select(eb.fn.countAll<string>().as('n')).as('members'))
      .orderBy('o.name')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, kind: r.kind as OrganisationKind, createdAt: r.created_at.toISOString(), members: Number(r.members ?? 0) }));
  }

  async get(id: string): Promise<Organisation | undefined> {
    return (await this.list()).find((o) => o.id === id);
  }

  async exists(id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    return (await this.#db.selectFrom('organisations').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  /** Every account's organisation (id → organisation id), for lists of people. */
  async organisationsOfUsers(): Promise<Map<string, string>> {
    const rows = await this.#db.selectFrom('users').select(['id', 'organisation_id']).execute();
    return new Map(rows.map((r) => [r.id, r.organisation_id]));
  }

  async setUserOrganisation(userId: string, organisationId: string): Promise<boolean> {
    if (!(await this.exists(organisationId))) throw new DelineateError('DLN_NOT_FOUND', 'No such organisation');
    const result = await this.#db.updateTable('users').set({ organisation_id: organisationId }).where('id', '=', userId).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async projectGovernance(projectId: string): Promise<ProjectGovernance | undefined> {
    if (!UUID.test(projectId)) return undefined;
    const project = await this.#db.selectFrom('projects').select(['id', 'region', 'owner_organisation_id', 'required_agreements']).where('id', '=', projectId).executeTakeFirst();
    if (!project) return undefined;
    const admitted = await this.#db
      .selectFrom('project_organisations as po')
      .innerJoin('organisations as o', 'o.id', 'po.organisation_id')
      .select(['po.organisation_id', 'o.name', 'o.kind', 'po.roles', 'po.admitted_at'])
      .where('po.project_id', '=', projectId)
      .orderBy('o.name')
      .execute();
    return {
      projectId,
      region: project.region,
      ownerOrganisationId: project.owner_organisation_id,
      requiredAgreements: (project.required_agreements as AgreementKind[] | null) ?? null,
      admitted: admitted.map((a) => ({ organisationId: a.organisation_id, name: a.name, kind: a.kind as OrganisationKind, roles: a.roles as Role[], admittedAt: a.admitted_at.toISOString() })),
    };
  }

  async updateProjectGovernance(projectId: string, update: { ownerOrganisationId?: string | undefined; requiredAgreements?: readonly AgreementKind[] | null | undefined }): Promise<void> {
    if (update.ownerOrganisationId !== undefined && !(await this.exists(update.ownerOrganisationId))) throw new DelineateError('DLN_NOT_FOUND', 'No such organisation');
    const set: { owner_organisation_id?: string; required_agreements?: string | null } = {};
    if (update.ownerOrganisationId !== undefined) set.owner_organisation_id = update.ownerOrganisationId;
    if (update.requiredAgreements !== undefined) set.required_agreements = update.requiredAgreements === null ? null : JSON.stringify(update.requiredAgreements);
    if (Object.keys(set).length > 0) await this.#db.updateTable('projects').set(set).where('id', '=', projectId).execute();
  }

  /** Admits an organisation to a project in the given roles (replacing the roles it had). */
  async admit(input: { projectId: string; organisationId: string; roles: readonly Role[]; admittedBy: string | null; now: Date }): Promise<void> {
    if (!(await this.exists(input.organisationId))) throw new DelineateError('DLN_NOT_FOUND', 'No such organisation');
    const roles = JSON.stringify(input.roles);
    await this.#db
      .insertInto('project_organisations')
      .values({ project_id: input.projectId, organisation_id: input.organisationId, roles, admitted_by: input.admittedBy, admitted_at: input.now })
      .onConflict((oc) => oc.columns(['project_id', 'organisation_id']).doUpdateSet({ roles, admitted_by: input.admittedBy, admitted_at: input.now }))
      .execute();
  }

  async withdraw(projectId: string, organisationId: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('project_organisations').where('project_id', '=', projectId).where('organisation_id', '=', organisationId).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /** The organisation of each member of a project, and every organisation's agreements for it (the access review). */
  async membersStanding(projectId: string): Promise<{
    organisations: Map<string, { id: string; name: string; kind: OrganisationKind }>;
    agreements: Array<StandingAgreement & { organisationId: string }>;
  }> {
    const members = await this.#db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .innerJoin('organisations as o', 'o.id', 'u.organisation_id')
      .select(['m.user_id', 'o.id', 'o.name', 'o.kind'])
      .where('m.project_id', '=', projectId)
      .execute();
    const agreements = await this.#db
      .selectFrom('data_agreements')
      .select(['organisation_id', 'project_id', 'kind', 'signed_at', 'expires_at', 'identifiable_uses', 'regions'])
      .where('project_id', '=', projectId)
      .execute();
    return {
      organisations: new Map(members.map((m) => [m.user_id, { id: m.id, name: m.name, kind: m.kind as OrganisationKind }])),
      agreements: agreements.map((a) => ({
        organisationId: a.organisation_id,
        projectId: a.project_id,
        kind: a.kind,
        signedAt: a.signed_at,
        expiresAt: a.expires_at,
        identifiableUses: a.identifiable_uses,
        regions: a.regions,
      })),
    };
  }

  /**
   * A person's organisation with all its admissions and agreements (API tokens; a browser session
   * reads the same in its one query, findSessionHolder). Not narrowed to the person's projects:
   * that filter cost more per request than the rows it saves; the policy picks the project's own.
   */
  async standingOf(userId: string): Promise<OrganisationStanding | undefined> {
    const user = await this.#db.selectFrom('users').select('organisation_id').where('id', '=', userId).executeTakeFirst();
    if (!user) return undefined;
    const [admissions, agreements] = await Promise.all([
      this.#db.selectFrom('project_organisations').select(['project_id', 'roles']).where('organisation_id', '=', user.organisation_id).execute(),
      this.#db
        .selectFrom('data_agreements')
        .select(['project_id', 'kind', 'signed_at', 'expires_at', 'identifiable_uses', 'regions'])
        .where('organisation_id', '=', user.organisation_id)
        .execute(),
    ]);
    return {
      organisationId: user.organisation_id,
      admissions: admissions.map((a) => ({ projectId: a.project_id, roles: a.roles })),
      agreements: agreements.map((a) => ({ projectId: a.project_id, kind: a.kind, signedAt: a.signed_at, expiresAt: a.expires_at, identifiableUses: a.identifiable_uses, regions: a.regions })),
    };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
