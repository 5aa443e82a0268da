import type { Kysely } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { DB } from '../sql/tables';
import type { OrganisationStanding } from './organisations';
import type { OrganisationTables } from './organisations-tables';
import type { AccountRow, SessionRow } from './repository';
import type { AccessTables } from './tables';

/** Everything a signed-in request's principal is built from, as stored when the request came. */
export interface SessionHolder {
  readonly session: SessionRow;
  /** Undefined when the session's user no longer exists. */
  readonly user: AccountRow | undefined;
  readonly memberships: readonly { readonly projectId: string; readonly role: string }[];
  readonly qualifications: readonly { readonly kind: string; readonly modality: string | null; readonly validUntil: Date | null }[];
  /** Break-glass grants active at `now`. */
  readonly breakGlass: readonly { readonly projectId: string; readonly role: string }[];
  readonly totpConfirmed: boolean;
  /** The user's organisation with its admissions and agreements (issue 24). */
  readonly organisation: OrganisationStanding;
}

/**
 * A session by its token hash with its user, memberships, qualifications, active break-glass
 * grants and second factor, in one query: every request is authenticated, so this is one round
 * trip instead of six. Nothing is cached: a revoked session or membership is refused at once.
 */
export async function findSessionHolder(db: Kysely<DB>, tokenHash: string, now: Date): Promise<SessionHolder | undefined> {
  const a = db as unknown as Kysely<AccessTables & OrganisationTables>;
  const row = await a
    .selectFrom('sessions as s')
    .leftJoin('users as u', 'u.id', 's.user_id')
    .selectAll('s')
    .select(['u.organisation_id as u_organisation_id', 'u.id as u_id', 'u.username as u_username', 'u.display_name as u_display_name', 'u.disabled as u_disabled', 'u.platform_admin as u_platform_admin', 'u.created_at as u_created_at'])
    .select((eb) => [
      jsonArrayFrom(eb.selectFrom('memberships as m').select(['m.project_id', 'm.role']).whereRef('m.user_id', '=', 's.user_id')).as('memberships'),
      jsonArrayFrom(
        eb.selectFrom('qualifications as q').select(['q.kind', 'q.modality', 'q.valid_until']).whereRef('q.user_id', '=', 's.user_id').orderBy('q.created_at'),
      ).as('qualifications'),
      jsonArrayFrom(
        eb
          .selectFrom('break_glass_grants as g')
          .select(['g.project_id', 'g.role'])
          .whereRef('g.user_id', '=', 's.user_id')
          .where('g.ended_at', 'is', null)
          .where('g.granted_at', '<=', now)
          .where('g.expires_at', '>', now),
      ).as('grants'),
      jsonArrayFrom(
        eb
          .selectFrom('project_organisations as po')
          .select(['po.project_id', 'po.roles'])
          .whereRef('po.organisation_id', '=', 'u.organisation_id'),
      ).as('admissions'),
      jsonArrayFrom(
        eb
          .selectFrom('data_agreements as da')
          .select(['da.project_id', 'da.kind', 'da.signed_at', 'da.expires_at', 'da.identifiable_uses', 'da.regions'])
          .whereRef('da.organisation_id', '=', 'u.organisation_id'),
      ).as('agreements'),
      eb
        .exists(eb.selectFrom('credentials as c').select('c.id').whereRef('c.user_id', '=', 's.user_id').where('c.kind', '=', 'totp').where('c.confirmed_at', 'is not', null))
        .as('totp_confirmed'),
    ])
    .where('s.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row) return undefined;
  const { u_organisation_id, admissions, agreements, u_id, u_username, u_display_name, u_disabled, u_platform_admin, u_created_at, memberships, qualifications, grants, totp_confirmed, ...session } = row;
  return {
    session,
    user:
      u_id === null
        ? undefined
        : { id: u_id, username: u_username!, displayName: u_display_name!, disabled: u_disabled!, platformAdmin: u_platform_admin!, createdAt: new Date(u_created_at!) },
    memberships: memberships.map((m) => ({ projectId: m.project_id, role: m.role })),
    // JSON carries timestamps as ISO strings.
    qualifications: qualifications.map((q) => ({ kind: q.kind, modality: q.modality, validUntil: q.valid_until === null ? null : new Date(q.valid_until) })),
    breakGlass: grants.map((g) => ({ projectId: g.project_id, role: g.role })),
    totpConfirmed: Boolean(totp_confirmed),
    organisation: {
      organisationId: u_organisation_id ?? '',
      admissions: admissions.map((m) => ({ projectId: m.project_id, roles: m.roles })),
      agreements: agreements.map((g) => ({
        projectId: g.project_id,
        kind: g.kind,
        signedAt: new Date(g.signed_at),
        expiresAt: g.expires_at === null ? null : new Date(g.expires_at),
        identifiableUses: g.identifiable_uses,
        regions: g.regions,
      })),
    },
  };
}
