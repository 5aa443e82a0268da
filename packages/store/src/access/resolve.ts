import { sql, type Kysely } from 'kysely';
import type { DB } from '../sql/tables';

/**
 * Finds the project that owns an object, for the policy function. Each resource type names
 * how its rows reach `projects`; a type not listed here owns no project. Ids that are not
 * UUIDs are answered as missing without a query.
 */
const ownerQueries: Readonly<Record<string, string>> = {
  project: `select p.id as project_id, p.modality from projects p where p.id = $1`,
  subject: `select p.id as project_id, p.modality from subjects o join projects p on p.id = o.project_id where o.id = $1`,
  study: `select p.id as project_id, p.modality from studies o join subjects s on s.id = o.subject_id join projects p on p.id = s.project_id where o.id = $1`,
  series: `select p.id as project_id, p.modality from series o join studies st on st.id = o.study_id join subjects s on s.id = st.subject_id join projects p on p.id = s.project_id where o.id = $1`,
  item: `select p.id as project_id, p.modality from items o join projects p on p.id = o.project_id where o.id = $1`,
  task: `select p.id as project_id, p.modality from tasks o join projects p on p.id = o.project_id where o.id = $1`,
  annotation: `select p.id as project_id, p.modality from annotations o join projects p on p.id = o.project_id where o.id = $1`,
  release: `select p.id as project_id, p.modality from releases o join projects p on p.id = o.project_id where o.id = $1`,
  membership: `select p.id as project_id, p.modality from memberships o join projects p on p.id = o.project_id where o.id = $1`,
  break_glass: `select p.id as project_id, p.modality from break_glass_grants o join projects p on p.id = o.project_id where o.id = $1`,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ObjectOwner {
  readonly projectId: string;
  readonly modality: string;
}

export function ownedResourceTypes(): string[] {
  return Object.keys(ownerQueries);
}

/** `undefined` when the object does not exist (or the type owns no project). */
export async function resolveObjectOwner(db: Kysely<DB>, type: string, id: string): Promise<ObjectOwner | undefined> {
  const query = ownerQueries[type];
  if (!query || !UUID.test(id)) return undefined;
  const [before, after] = query.split('$1') as [string, string];
  const result = await sql<{ project_id: string; modality: string }>`${sql.raw(before)}${id}::uuid${sql.raw(after)}`.execute(db);
  const row = result.rows[0];
  return row ? { projectId: row.project_id, modality: row.modality } : undefined;
}
