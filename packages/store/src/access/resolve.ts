import { sql, type Kysely } from 'kysely';
import type { DB } from '../sql/tables';

/**
 * Finds the project that owns an object, for the policy function. Each resource type names
 * how its rows reach `projects`; a type not listed here owns no project. Ids that are not
 * UUIDs are answered as missing without a query.
 */
const P = 'p.id as project_id, p.modality, p.region, p.owner_organisation_id, p.required_agreements';
const ownerQueries: Readonly<Record<string, string>> = {
  project: `select ${P}, null as pseudonym from projects p where p.id = $1`,
  subject: `select ${P}, o.pseudonym from subjects o join projects p on p.id = o.project_id where o.id = $1`,
  study: `select ${P}, s.pseudonym from studies o join subjects s on s.id = o.subject_id join projects p on p.id = s.project_id where o.id = $1`,
  series: `select ${P}, s.pseudonym from series o join studies st on st.id = o.study_id join subjects s on s.id = st.subject_id join projects p on p.id = s.project_id where o.id = $1`,
  item: `select ${P}, s.pseudonym from items o join subjects s on s.id = o.subject_id join projects p on p.id = o.project_id where o.id = $1`,
  task: `select ${P}, s.pseudonym from tasks o join items i on i.id = o.item_id join subjects s on s.id = i.subject_id join projects p on p.id = o.project_id where o.id = $1`,
  annotation: `select ${P}, s.pseudonym from annotations o join items i on i.id = o.item_id join subjects s on s.id = i.subject_id join projects p on p.id = o.project_id where o.id = $1`,
  deid_record: `select ${P}, null as pseudonym from deid_records o join projects p on p.id = o.project_id where o.id = $1`,
  release: `select ${P}, null as pseudonym from releases o join projects p on p.id = o.project_id where o.id = $1`,
  membership: `select ${P}, null as pseudonym from memberships o join projects p on p.id = o.project_id where o.id = $1`,
  break_glass: `select ${P}, null as pseudonym from break_glass_grants o join projects p on p.id = o.project_id where o.id = $1`,
  upload_batch: `select ${P}, null as pseudonym from upload_batches o join projects p on p.id = o.project_id where o.id = $1`,
  upload_file: `select ${P}, null as pseudonym from upload_files o join projects p on p.id = o.project_id where o.id = $1`,
  agreement: `select ${P}, null as pseudonym from data_agreements o join projects p on p.id = o.project_id where o.id = $1`,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ObjectOwner {
  readonly projectId: string;
  readonly modality: string;
  /** The subject pseudonym when the object holds one subject's data (for the audit event). */
  readonly subjectPseudonym: string | null;
  /** What the policy's agreement check needs of the project (issue 24). */
  readonly governance: ObjectGovernance;
}

export interface ObjectGovernance {
  readonly region: string;
  readonly ownerOrganisationId: string;
  /** Null: the defaults by region. */
  readonly requiredAgreements: readonly string[] | null;
}

export function ownedResourceTypes(): string[] {
  return Object.keys(ownerQueries);
}

/** `undefined` when the object does not exist (or the type owns no project). */
export async function resolveObjectOwner(db: Kysely<DB>, type: string, id: string): Promise<ObjectOwner | undefined> {
  const query = ownerQueries[type];
  if (!query || !UUID.test(id)) return undefined;
  const [before, after] = query.split('$1') as [string, string];
  const result = await sql<{ project_id: string; modality: string; pseudonym: string | null; region: string; owner_organisation_id: string; required_agreements: string[] | null }>`${sql.raw(before)}${id}::uuid${sql.raw(after)}`.execute(db);
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    projectId: row.project_id,
    modality: row.modality,
    subjectPseudonym: row.pseudonym,
    governance: { region: row.region, ownerOrganisationId: row.owner_organisation_id, requiredAgreements: row.required_agreements },
  };
}
