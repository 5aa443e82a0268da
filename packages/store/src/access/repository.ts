import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../sql/tables';
import { OrganisationRepository, type OrganisationStanding } from './organisations';
import { StatementGroups } from '../sql/statement-groups';
import { findSessionHolders, type SessionHolder, type SessionLookup } from './session-holder';
import type { AccessTables, BreakGlassGrantsTable, MembershipsTable, QualificationsTable, SessionsTable } from './tables';

export interface AccountRow {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly disabled: boolean;
  readonly platformAdmin: boolean;
  readonly createdAt: Date;
}

export interface TotpCredential {
  readonly secret: string;
  readonly lastStep: number | null;
  readonly confirmedAt: Date | null;
  /** A new seed waiting to replace the confirmed one (sealed like `secret`). */
  readonly replacementSecret: string | null;
}

export type SessionRow = Selectable<SessionsTable>;
export type MembershipRow = Selectable<MembershipsTable>;
export type QualificationRow = Selectable<QualificationsTable>;
export type BreakGlassRow = Selectable<BreakGlassGrantsTable>;

export interface NewSession {
  readonly userId: string;
  readonly tokenHash: string;
  readonly address: string | null;
  readonly now: Date;
  readonly expiresAt: Date;
  readonly mfaVerified: boolean;
  /** When the password was last entered (default `now`); rotation carries it forward. */
  readonly reauthenticatedAt?: Date;
}

/**
 * Accounts, credentials, sessions, memberships and qualifications. Takes the store's Kysely
 * instance; the cast to this module's table view happens once, here.
 */
export class AccessRepository {
  readonly #db: Kysely<AccessTables>;
  /** Concurrent requests' lookups share one query (group lookups): each still reads what is stored after it came. */
  readonly #holders: StatementGroups<DB, SessionLookup, SessionHolder | undefined>;

  constructor(db: Kysely<DB>) {
    this.#db = db as unknown as Kysely<AccessTables>;
    this.#holders = new StatementGroups(db, findSessionHolders, { maxGroup: 64 });
  }

  // ---- accounts ----

  async createUser(input: { username: string; displayName: string; platformAdmin?: boolean; now: Date }): Promise<AccountRow> {
    const row = await this.#db
      .insertInto('users')
      .values({
        username: input.username,
        display_name: input.displayName,
        platform_admin: input.platformAdmin ?? false,
        created_at: input.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAccount(row);
  }

  async findUserByUsername(username: string): Promise<AccountRow | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return row ? toAccount(row) : undefined;
  }

  async getUser(id: string): Promise<AccountRow | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toAccount(row) : undefined;
  }

  async listUsers(): Promise<AccountRow[]> {
    return (await this.#db.selectFrom('users').selectAll().orderBy('username').execute()).map(toAccount);
  }

  async countUsers(): Promise<number> {
    const row = await this.#db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Disabling ends every session of the user in the same transaction. */
  async setDisabled(userId: string, disabled: boolean, now: Date): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('users')
        .set({ disabled, disabled_at: disabled ? now : null })
        .where('id', '=', userId)
        .executeTakeFirst();
      if (disabled) {
        await trx
          .updateTable('sessions')
          .set({ revoked_at: now, revoked_reason: 'user_disabled' })
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null)
          .execute();
      }
      return Number(result.numUpdatedRows) === 1;
    });
  }

  async setPlatformAdmin(userId: string, platformAdmin: boolean): Promise<void> {
    await this.#db.updateTable('users').set({ platform_admin: platformAdmin }).where('id', '=', userId).execute();
  }

  // ---- credentials ----

  async getPasswordHash(userId: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('credentials')
      .select('secret')
      .where('user_id', '=', userId)
      .where('kind', '=', 'password')
      .executeTakeFirst();
    return row?.secret;
  }

  async setPasswordHash(userId: string, phc: string, now: Date): Promise<void> {
    await this.#db
      .insertInto('credentials')
      .values({ user_id: userId, kind: 'password', secret: phc, created_at: now })
      .onConflict((oc) => oc.columns(['user_id', 'kind']).doUpdateSet({ secret: phc, created_at: now }))
      .execute();
  }

  async getTotp(userId: string): Promise<TotpCredential | undefined> {
    const row = await this.#db
      .selectFrom('credentials')
      .select(['secret', 'last_step', 'confirmed_at', 'replacement_secret'])
      .where('user_id', '=', userId)
      .where('kind', '=', 'totp')
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      secret: row.secret,
      lastStep: row.last_step === null ? null : Number(row.last_step),
      confirmedAt: row.confirmed_at,
      replacementSecret: row.replacement_secret,
    };
  }

  /** Stores a new, unconfirmed TOTP seed (replacing any earlier one). */
  async setPendingTotp(userId: string, secret: string, now: Date): Promise<void> {
    await this.#db
      .insertInto('credentials')
      .values({ user_id: userId, kind: 'totp', secret, created_at: now, last_step: null, confirmed_at: null })
      .onConflict((oc) => oc.columns(['user_id', 'kind']).doUpdateSet({ secret, created_at: now, last_step: null, confirmed_at: null, replacement_secret: null }))
      .execute();
  }

  /** Keeps a new seed beside the confirmed one; the confirmed seed stays in force until it is proved. */
  async setReplacementTotp(userId: string, secret: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('credentials')
      .set({ replacement_secret: secret })
      .where('user_id', '=', userId)
      .where('kind', '=', 'totp')
      .where('confirmed_at', 'is not', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Puts a proved replacement seed in force (compare-and-set on the seed that was checked, so a
   * second replacement begun meanwhile is not confirmed by a code of the first).
   */
  async confirmReplacementTotp(userId: string, replacement: string, step: number, now: Date): Promise<boolean> {
    const result = await this.#db
      .updateTable('credentials')
      .set({ secret: replacement, replacement_secret: null, last_step: step, confirmed_at: now, created_at: now })
      .where('user_id', '=', userId)
      .where('kind', '=', 'totp')
      .where('replacement_secret', '=', replacement)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * A platform administrator's reset of someone's second factor: seed and recovery codes go,
   * every session ends and the user is told at their next sign-in, all in one transaction.
   */
  async resetSecondFactor(userId: string, resetBy: string, now: Date): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('credentials').where('user_id', '=', userId).where('kind', '=', 'totp').execute();
      await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      await trx.updateTable('sessions').set({ revoked_at: now, revoked_reason: 'mfa_reset' }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
      await trx.insertInto('notifications').values({ recipient_id: userId, kind: 'mfa_reset', subject_id: resetBy, project_id: null, created_at: now }).execute();
    });
  }

  /**
   * Accepts a TOTP step only if it is later than the last one used (compare-and-set, so a code
   * cannot be replayed even by two requests at once). Confirms the seed on first use.
   */
  async useTotpStep(userId: string, step: number, now: Date): Promise<boolean> {
    const result = await this.#db
      .updateTable('credentials')
      .set((eb) => ({ last_step: step, confirmed_at: eb.fn.coalesce('confirmed_at', eb.val(now)) }))
      .where('user_id', '=', userId)
      .where('kind', '=', 'totp')
      .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async deleteTotp(userId: string): Promise<void> {
    await this.#db.deleteFrom('credentials').where('user_id', '=', userId).where('kind', '=', 'totp').execute();
  }

  async replaceRecoveryCodes(userId: string, codeHashes: readonly string[], now: Date): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      if (codeHashes.length > 0) {
        await trx
          .insertInto('recovery_codes')
          .values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash, created_at: now })))
          .execute();
      }
    });
  }

  /** Marks a recovery code used; false when it is unknown or already used. */
  async useRecoveryCode(userId: string, codeHash: string, now: Date): Promise<boolean> {
    const result = await this.#db
      .updateTable('recovery_codes')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async countUnusedRecoveryCodes(userId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  // ---- sessions ----

  async createSession(input: NewSession): Promise<SessionRow> {
    return this.#db
      .insertInto('sessions')
      .values({
        user_id: input.userId,
        token_hash: input.tokenHash,
        address: input.address,
        created_at: input.now,
        last_seen_at: input.now,
        expires_at: input.expiresAt,
        mfa_verified_at: input.mfaVerified ? input.now : null,
        reauthenticated_at: input.reauthenticatedAt ?? input.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * A session with what its principal is built from, in one query (see `findSessionHolders`),
   * shared with the lookups of requests that wait beside it. Nothing is cached: the query runs
   * after the request came, so a revocation committed before it is seen.
   */
  async findSessionHolder(tokenHash: string, now: Date): Promise<SessionHolder | undefined> {
    return this.#holders.submit({ tokenHash, now });
  }

  /** The user's organisation with its admissions and agreements (for principals built outside findSessionHolder). */
  async organisationStanding(userId: string): Promise<OrganisationStanding> {
    return (await new OrganisationRepository(this.#db as unknown as Kysely<DB>).standingOf(userId)) ?? { organisationId: '', admissions: [], agreements: [] };
  }

  async findSessionByTokenHash(tokenHash: string): Promise<SessionRow | undefined> {
    return this.#db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  async getSession(id: string): Promise<SessionRow | undefined> {
    return this.#db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Every session of a user, newest first (for the user's own session list and for tests). */
  async sessionsOfUser(userId: string): Promise<SessionRow[]> {
    return this.#db.selectFrom('sessions').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
  }

  async touchSession(id: string, now: Date): Promise<void> {
    await this.#db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
  }

  async markSessionMfaVerified(id: string, now: Date): Promise<void> {
    await this.#db.updateTable('sessions').set({ mfa_verified_at: now, reauthenticated_at: now }).where('id', '=', id).execute();
  }

  async markSessionReauthenticated(id: string, now: Date): Promise<void> {
    await this.#db.updateTable('sessions').set({ reauthenticated_at: now }).where('id', '=', id).execute();
  }

  /** Counts a wrong second-factor code against the session; returns the count so far. */
  async recordSecondFactorFailure(id: string): Promise<number> {
    const row = await this.#db
      .updateTable('sessions')
      .set((eb) => ({ second_factor_failures: eb('second_factor_failures', '+', 1) }))
      .where('id', '=', id)
      .returning('second_factor_failures')
      .executeTakeFirst();
    return row?.second_factor_failures ?? 0;
  }

  async revokeSession(id: string, reason: string, now: Date): Promise<void> {
    await this.#db
      .updateTable('sessions')
      .set({ revoked_at: now, revoked_reason: reason })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** Ends every live session of a user, except `keepSessionId` when given; returns how many. */
  async revokeUserSessions(userId: string, reason: string, now: Date, keepSessionId?: string): Promise<number> {
    let query = this.#db
      .updateTable('sessions')
      .set({ revoked_at: now, revoked_reason: reason })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (keepSessionId !== undefined) query = query.where('id', '!=', keepSessionId);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  // ---- memberships and qualifications ----

  async addMembership(input: { userId: string; projectId: string; role: string; grantedBy: string | null; now: Date }): Promise<MembershipRow> {
    return this.#db
      .insertInto('memberships')
      .values({ user_id: input.userId, project_id: input.projectId, role: input.role, granted_by: input.grantedBy, created_at: input.now })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async getMembership(id: string): Promise<MembershipRow | undefined> {
    return this.#db.selectFrom('memberships').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async removeMembership(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('memberships').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async membershipsOfUser(userId: string): Promise<MembershipRow[]> {
    return this.#db.selectFrom('memberships').selectAll().where('user_id', '=', userId).execute();
  }

  async membershipsOfProject(projectId: string): Promise<MembershipRow[]> {
    return this.#db.selectFrom('memberships').selectAll().where('project_id', '=', projectId).orderBy('created_at').execute();
  }

  async addQualification(input: {
    userId: string;
    kind: string;
    modality: string | null;
    verifiedBy: string | null;
    validUntil: Date | null;
    now: Date;
  }): Promise<QualificationRow> {
    return this.#db
      .insertInto('qualifications')
      .values({
        user_id: input.userId,
        kind: input.kind,
        modality: input.modality,
        verified_by: input.verifiedBy,
        valid_until: input.validUntil,
        created_at: input.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async removeQualification(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('qualifications').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async qualificationsOfUser(userId: string): Promise<QualificationRow[]> {
    return this.#db.selectFrom('qualifications').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
  }

  async projectExists(projectId: string): Promise<boolean> {
    if (!/^[0-9a-f-]{36}$/i.test(projectId)) return false;
    const row = await (this.#db as unknown as Kysely<DB>).selectFrom('projects').select('id').where('id', '=', projectId).executeTakeFirst();
    return row !== undefined;
  }

  // ---- break-glass ----

  async createBreakGlass(input: {
    userId: string;
    projectId: string;
    role: string;
    reason: string;
    grantedAt: Date;
    expiresAt: Date;
  }): Promise<BreakGlassRow> {
    return this.#db
      .insertInto('break_glass_grants')
      .values({
        user_id: input.userId,
        project_id: input.projectId,
        role: input.role,
        reason: input.reason,
        granted_at: input.grantedAt,
        expires_at: input.expiresAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async activeBreakGlass(userId: string, now: Date): Promise<BreakGlassRow[]> {
    return this.#db
      .selectFrom('break_glass_grants')
      .selectAll()
      .where('user_id', '=', userId)
      .where('ended_at', 'is', null)
      .where('granted_at', '<=', now)
      .where('expires_at', '>', now)
      .execute();
  }

  async endBreakGlass(id: string, now: Date): Promise<void> {
    await this.#db.updateTable('break_glass_grants').set({ ended_at: now }).where('id', '=', id).where('ended_at', 'is', null).execute();
  }

  async notify(input: { recipientIds: readonly string[]; kind: string; subjectId: string | null; projectId: string | null; now: Date }): Promise<void> {
    if (input.recipientIds.length === 0) return;
    await this.#db
      .insertInto('notifications')
      .values(
        input.recipientIds.map((recipient_id) => ({
          recipient_id,
          kind: input.kind,
          subject_id: input.subjectId,
          project_id: input.projectId,
          created_at: input.now,
        })),
      )
      .execute();
  }

  /** Unread notices of the given kinds, marked read as they are handed out (shown once). */
  async takeNotices(recipientId: string, kinds: readonly string[], now: Date): Promise<Array<{ kind: string; createdAt: Date }>> {
    const rows = await this.#db
      .updateTable('notifications')
      .set({ read_at: now })
      .where('recipient_id', '=', recipientId)
      .where('kind', 'in', [...kinds])
      .where('read_at', 'is', null)
      .returning(['kind', 'created_at'])
      .execute();
    return rows.map((r) => ({ kind: r.kind, createdAt: r.created_at })).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  async notificationsOf(recipientId: string): Promise<Array<{ kind: string; subjectId: string | null; projectId: string | null; createdAt: Date }>> {
    const rows = await this.#db
      .selectFrom('notifications')
      .select(['kind', 'subject_id', 'project_id', 'created_at'])
      .where('recipient_id', '=', recipientId)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({ kind: r.kind, subjectId: r.subject_id, projectId: r.project_id, createdAt: r.created_at }));
  }
}

function toAccount(row: Selectable<AccessTables['users']>): AccountRow {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    disabled: row.disabled,
    platformAdmin: row.platform_admin,
    createdAt: row.created_at,
  };
}
