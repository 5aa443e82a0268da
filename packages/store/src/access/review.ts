import { sql, type Kysely } from 'kysely';
import { DelineateError } from '@delineate/schema';
import type { DB } from '../sql/tables';
import type { AccessTables } from './tables';

/** One member of a project in an access review: every grant, qualification and use in the period. */
export interface AccessReviewMember {
  readonly userId: string;
  readonly username: string;
  readonly displayName: string;
  readonly disabled: boolean;
  readonly grants: ReadonlyArray<{
    readonly membershipId: string;
    readonly role: string;
    readonly grantedAt: string;
    readonly grantedBy: string | null;
    readonly lastDecision: { readonly decision: 'attest' | 'revoke'; readonly decidedBy: string; readonly decidedAt: string } | null;
  }>;
  readonly qualifications: ReadonlyArray<{ readonly kind: string; readonly modality: string | null; readonly validUntil: string | null; readonly expired: boolean }>;
  readonly lastAccess: string | null;
  readonly accessesInPeriod: number;
}

export interface AccessReview {
  readonly projectId: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly lastReviewAt: string | null;
  /** No completed review, or the last one is older than the interval. */
  readonly overdue: boolean;
  readonly members: readonly AccessReviewMember[];
}

export interface AttestationDecision {
  readonly membershipId: string;
  readonly decision: 'attest' | 'revoke';
}

/** Access reviews: who holds what in a project and how they used it; stewards attest or revoke. */
export class AccessReviewRepository {
  readonly #db: Kysely<AccessTables>;
  readonly #raw: Kysely<DB>;

  constructor(db: Kysely<DB>) {
    this.#raw = db;
    this.#db = db as unknown as Kysely<AccessTables>;
  }

  async review(projectId: string, now: Date, options: { periodDays: number; intervalDays: number }): Promise<AccessReview> {
    const periodStart = new Date(now.getTime() - options.periodDays * 86_400_000);
    const memberships = await this.#db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select([
        'memberships.id as membership_id',
        'memberships.role',
        'memberships.created_at',
        'memberships.granted_by',
        'users.id as user_id',
        'users.username',
        'users.display_name',
        'users.disabled',
      ])
      .where('memberships.project_id', '=', projectId)
      .orderBy('users.username')
      .orderBy('memberships.role')
      .execute();
    const userIds = [...new Set(memberships.map((m) => m.user_id))];
    const qualifications = userIds.length
      ? await this.#db.selectFrom('qualifications').selectAll().where('user_id', 'in', userIds).execute()
      : [];
    const decisions = await this.#db
      .selectFrom('access_attestations')
      .select(['membership_id', 'decision', 'decided_by', 'decided_at'])
      .where('project_id', '=', projectId)
      .orderBy('decided_at')
      .execute();
    const usage = userIds.length
      ? (
          await sql<{ actor_id: string; last_access: Date | null; accesses: string | number | null }>`
            select actor_id, max(time) as last_access,
                   sum(case when time >= ${periodStart} and outcome = 'success' then count else 0 end) as accesses
            from audit_events where project_id = ${projectId}::uuid and actor_id = any(${userIds}::uuid[]) and outcome = 'success'
            group by actor_id`.execute(this.#raw)
        ).rows
      : [];
    const last = await this.#db
      .selectFrom('access_reviews')
      .select('completed_at')
      .where('project_id', '=', projectId)
      .orderBy('completed_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const members: AccessReviewMember[] = userIds.map((userId) => {
      const rows = memberships.filter((m) => m.user_id === userId);
      const first = rows[0]!;
      const use = usage.find((u) => u.actor_id === userId);
      return {
        userId,
        username: first.username,
        displayName: first.display_name,
        disabled: first.disabled,
        grants: rows.map((m) => {
          const latest = decisions.filter((d) => d.membership_id === m.membership_id).at(-1);
          return {
            membershipId: m.membership_id,
            role: m.role,
            grantedAt: m.created_at.toISOString(),
            grantedBy: m.granted_by,
            lastDecision: latest ? { decision: latest.decision, decidedBy: latest.decided_by, decidedAt: latest.decided_at.toISOString() } : null,
          };
        }),
        qualifications: qualifications
          .filter((q) => q.user_id === userId)
          .map((q) => ({
            kind: q.kind,
            modality: q.modality,
            validUntil: q.valid_until?.toISOString() ?? null,
            expired: q.valid_until !== null && q.valid_until.getTime() <= now.getTime(),
          })),
        lastAccess: use?.last_access ? new Date(use.last_access).toISOString() : null,
        accessesInPeriod: Number(use?.accesses ?? 0),
      };
    });
    const lastReviewAt = last?.completed_at ?? null;
    return {
      projectId,
      periodStart: periodStart.toISOString(),
      periodEnd: now.toISOString(),
      lastReviewAt: lastReviewAt?.toISOString() ?? null,
      overdue: lastReviewAt === null || now.getTime() - lastReviewAt.getTime() > options.intervalDays * 86_400_000,
      members,
    };
  }

  /**
   * Records a steward's decisions as one completed review: `attest` keeps a grant, `revoke`
   * removes the membership. Decisions on memberships of other projects are refused.
   */
  async attest(projectId: string, reviewerId: string, decisions: readonly AttestationDecision[], now: Date): Promise<{ reviewId: string; revoked: string[] }> {
    return this.#db.transaction().execute(async (trx) => {
      const ids = decisions.map((d) => d.membershipId);
      const found = ids.length ? await trx.selectFrom('memberships').select(['id', 'user_id', 'role', 'project_id']).where('id', 'in', ids).execute() : [];
      for (const d of decisions) {
        const m = found.find((f) => f.id === d.membershipId);
        if (!m || m.project_id !== projectId) throw new DelineateError('DLN_REQUEST_INVALID', 'A decision names a membership that is not in this project');
      }
      const review = await trx
        .insertInto('access_reviews')
        .values({ project_id: projectId, reviewer_id: reviewerId, completed_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      const revoked: string[] = [];
      for (const d of decisions) {
        const m = found.find((f) => f.id === d.membershipId)!;
        await trx
          .insertInto('access_attestations')
          .values({ review_id: review.id, project_id: projectId, membership_id: m.id, user_id: m.user_id, role: m.role, decision: d.decision, decided_by: reviewerId, decided_at: now })
          .execute();
        if (d.decision === 'revoke') {
          await trx.deleteFrom('memberships').where('id', '=', m.id).execute();
          revoked.push(m.id);
        }
      }
      return { reviewId: review.id, revoked };
    });
  }
}
