import { sql, type Kysely } from 'kysely';
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

/** One request's lookup: the hash of its session token and the time it is decided at. */
export interface SessionLookup {
  readonly tokenHash: string;
  readonly now: Date;
}

/**
 * A session by its token hash with its user, memberships, qualifications, active break-glass
 * grants and second factor, in one query: every request is authenticated, so this is one round
 * trip instead of six. Nothing is cached: a revoked session or membership is refused at once.
 */
export async function findSessionHolder(db: Kysely<DB>, tokenHash: string, now: Date): Promise<SessionHolder | undefined> {
  const [holder] = await findSessionHolders(db, [{ tokenHash, now }]);
  return holder;
}

/**
 * {@link findSessionHolder} for several requests in one query (group lookups, see
 * `StatementGroups`): each answer is read as stored when the query ran, after its request came,
 * so nothing is older than a lookup of its own would be. Break-glass grants are decided at each
 * request's own time.
 */
export async function findSessionHolders(db: Kysely<DB>, lookups: readonly SessionLookup[]): Promise<(SessionHolder | undefined)[]> {
  if (lookups.length === 0) return [];
  const earliest = new Date(Math.min(...lookups.map((l) => l.now.getTime())));
  const rows = await sessionHolderQuery(db, lookups.map((l) => l.tokenHash), earliest);
  const byHash = new Map(rows.map((row) => [row.token_hash, row]));
  return lookups.map(({ tokenHash, now }) => {
    const row = byHash.get(tokenHash);
    return row && holderOf(row, now);
  });
}

/** The sessions with the given token hashes, with every break-glass grant not ended and not expired at `earliest`. */
function sessionHolderQuery(db: Kysely<DB>, tokenHashes: readonly string[], earliest: Date) {
  const a = db as unknown as Kysely<AccessTables & OrganisationTables>;
  return a
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
          .select(['g.project_id', 'g.role', 'g.granted_at', 'g.expires_at'])
          .whereRef('g.user_id', '=', 's.user_id')
          .where('g.ended_at', 'is', null)
          .where('g.expires_at', '>', earliest),
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
    // One statement text whatever the number of lookups: it is prepared once.
    .where(sql<boolean>`s.token_hash in (select jsonb_array_elements_text(${JSON.stringify(tokenHashes)}::jsonb))`)
    .execute();
}

type HolderRow = Awaited<ReturnType<typeof sessionHolderQuery>>[number];

function holderOf(row: HolderRow, now: Date): SessionHolder {
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
    // Active at the request's own time (JSON carries timestamps as ISO strings).
    breakGlass: grants
      .filter((g) => new Date(g.granted_at).getTime() <= now.getTime() && new Date(g.expires_at).getTime() > now.getTime())
      .map((g) => ({ projectId: g.project_id, role: g.role })),
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
