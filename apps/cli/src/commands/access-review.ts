import type { Command } from 'commander';
import { DelineateError } from '@delineate/schema';
import { usageError } from '../failure';
import { serverForCommand } from '../store-access';
import { accessSettingsFromEnv, configFromEnv } from '@delineate/server';
import { AccessReviewRepository, migrate, openDatabase, type AccessReview, type Database } from '@delineate/store';
import { commandSummary } from '../catalog';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The access review of a project named by id or name; `undefined` when there is no such project. */
export async function accessReviewOf(
  database: Database,
  project: string,
  options: { now: Date; periodDays: number; intervalDays: number },
): Promise<AccessReview | undefined> {
  const row = await database.db
    .selectFrom('projects')
    .select('id')
    .where(UUID.test(project) ? 'id' : 'name', '=', project)
    .executeTakeFirst();
  if (!row) return undefined;
  return new AccessReviewRepository(database.db).review(row.id, options.now, { periodDays: options.periodDays, intervalDays: options.intervalDays });
}

/** A plain-text table: one line per grant. */
export function renderAccessReview(review: AccessReview): string {
  const lines = [
    `Access review of project ${review.projectId}`,
    `Period ${review.periodStart} to ${review.periodEnd}; last completed review: ${review.lastReviewAt ?? 'never'}${review.overdue ? '  ** OVERDUE **' : ''}`,
    '',
    ['user', 'role', 'granted', 'last decision', 'qualifications', 'last access', 'accesses'].join('\t'),
  ];
  for (const member of review.members) {
    const qualifications = member.qualifications.map((q) => `${q.kind}${q.modality ? `/${q.modality}` : ''}${q.expired ? ' (expired)' : ''}`).join(', ') || '-';
    for (const grant of member.grants) {
      lines.push(
        [
          `${member.username}${member.disabled ? ' (disabled)' : ''}`,
          grant.role,
          grant.grantedAt.slice(0, 10),
          grant.lastDecision ? `${grant.lastDecision.decision} ${grant.lastDecision.decidedAt.slice(0, 10)}` : '-',
          qualifications,
          member.lastAccess ?? '-',
          String(member.accessesInPeriod),
        ].join('\t'),
      );
    }
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('access-review')
    .description(commandSummary('access-review'))
    .argument('<project>', 'project id or name')
    .option('--period-days <days>', 'the period counted', '90')
    .option('--json', 'print JSON')
    .action(async (project: string, options: { periodDays: string; json?: boolean }) => {
      const periodDays = Number(options.periodDays);
      if (!Number.isInteger(periodDays) || periodDays < 1) usageError('--period-days takes a whole number of days');
      const server = await serverForCommand('access-review:read');
      let review: AccessReview | undefined;
      if (server) {
        if (!UUID.test(project)) usageError('through a running server <project> must be the project id');
        review = await server.json<AccessReview>('GET', `/api/projects/${project}/access-review?periodDays=${periodDays}`);
      } else {
        const config = configFromEnv(process.env);
        const settings = accessSettingsFromEnv(process.env);
        const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
        try {
          await migrate(database.db);
          review = await accessReviewOf(database, project, { now: new Date(), periodDays, intervalDays: settings.accessReviewIntervalDays });
        } finally {
          await database.close();
        }
      }
      if (!review) throw new DelineateError('DLN_NOT_FOUND', 'No project with this id or name');
      console.log(options.json ? JSON.stringify(review, null, 2) : renderAccessReview(review));
    });
}
