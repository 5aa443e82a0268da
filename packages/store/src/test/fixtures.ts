import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../sql/tables';

export interface SeededProject {
  projectId: string;
  labelSchemaId: string;
  reviewProtocolId: string;
  subjectId: string;
  itemId: string;
  userId: string;
  otherUserId: string;
}

export const testLabels = [
  {
    key: 'liver',
    value: 1,
    name: 'Liver',
    concept: { scheme: 'SCT', value: '10200004', meaning: 'Liver' },
    category: { scheme: 'SCT', value: '123037004', meaning: 'Anatomical Structure' },
    colour: '#a05a2c',
    definition: 'Whole liver parenchyma.',
    inclusion: ['intrahepatic vessels'],
    exclusion: ['gallbladder'],
    referenceStandard: { title: 'Test standard', citation: 'Test citation' },
    requiresExpertReview: false,
  },
];

export const testChecklist = [{ key: 'margin', labelKey: 'liver', question: 'Is the margin on the capsule?', errorType: 'under_segmentation' }];

export interface ProjectRowOptions {
  name?: string;
  modality?: string;
  region?: string;
  labels?: readonly unknown[];
  checklist?: readonly unknown[];
  deidOptions?: readonly string[];
}

/**
 * A project row with its label schema and review protocol (version 1 each), written directly:
 * the one seeding of a project for tests of the store and the server (repositories have their
 * own tests). Names are unique per call.
 */
export async function seedProjectRow(db: Kysely<DB>, options: ProjectRowOptions = {}): Promise<{ projectId: string; labelSchemaId: string; reviewProtocolId: string }> {
  const tag = randomUUID().slice(0, 8);
  const schema = await db.insertInto('label_schemas').values({ name: `schema-${tag}` }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('label_schema_versions').values({ schema_id: schema.id, version: 1, labels: JSON.stringify(options.labels ?? testLabels) }).execute();
  const protocol = await db.insertInto('review_protocols').values({ name: `protocol-${tag}` }).returning('id').executeTakeFirstOrThrow();
  await db
    .insertInto('review_protocol_versions')
    .values({ protocol_id: protocol.id, version: 1, checklist: JSON.stringify(options.checklist ?? testChecklist) })
    .execute();
  const project = await db
    .insertInto('projects')
    .values({
      name: options.name ?? `project-${tag}`,
      modality: options.modality ?? 'CT',
      oversight_model: 'direct_clinical',
      region: options.region ?? 'local',
      purpose: 'testing',
      legal_basis: 'consent',
      label_schema_id: schema.id,
      label_schema_version: 1,
      review_protocol_id: protocol.id,
      review_protocol_version: 1,
      agreement_fraction: 0.1,
      agreement_readers: 2,
      agreement_blinded: true,
      deid_profile: 'basic',
      deid_options: JSON.stringify(options.deidOptions ?? []),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { projectId: project.id, labelSchemaId: schema.id, reviewProtocolId: protocol.id };
}

/** A project (as {@link seedProjectRow}) with one subject, study, series and item, and two users. */
export async function seedProject(db: Kysely<DB>, suffix = ''): Promise<SeededProject> {
  const { projectId, labelSchemaId, reviewProtocolId } = await seedProjectRow(db, { name: `Project${suffix}`, deidOptions: ['clean-pixel-data'] });
  const project = { id: projectId };
  const subject = await db
    .insertInto('subjects')
    .values({ project_id: project.id, pseudonym: `S${suffix}001`, age_band: '50-59', sex: 'F', site_pseudonym: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const study = await db
    .insertInto('studies')
    .values({ subject_id: subject.id, study_instance_uid: `2.25.1${suffix.length}${Date.now()}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  const series = await db
    .insertInto('series')
    .values({
      study_id: study.id,
      series_instance_uid: `2.25.2${suffix.length}${Date.now()}`,
      modality: 'CT',
      manufacturer: null,
      model: null,
      field_strength: null,
      slice_thickness: 1.5,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const item = await db
    .insertInto('items')
    .values({ project_id: project.id, subject_id: subject.id, kind: 'series_volume', series_id: series.id })
    .returning('id')
    .executeTakeFirstOrThrow();
  const user = await db.insertInto('users').values({ username: `ann${suffix}`, display_name: 'Annotator' }).returning('id').executeTakeFirstOrThrow();
  const other = await db.insertInto('users').values({ username: `rev${suffix}`, display_name: 'Reviewer' }).returning('id').executeTakeFirstOrThrow();
  return {
    projectId: project.id,
    labelSchemaId,
    reviewProtocolId,
    subjectId: subject.id,
    itemId: item.id,
    userId: user.id,
    otherUserId: other.id,
  };
}

/** A deterministic lower-case SHA-256-shaped hex string for mask hashes in tests. */
export function fakeHash(n: number): string {
  return n.toString(16).padStart(64, '0');
}
