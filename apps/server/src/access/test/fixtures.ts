import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { testing, type Database } from '@delineate/store';
import type { Modality } from '@delineate/schema';
import { PasswordHasher } from '../password';

/** A clock tests move by hand. */
export class FakeClock {
  constructor(private ms = Date.parse('2026-05-01T09:00:00.000Z')) {}
  now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Cheap argon2 for tests only (the default stays 46 MiB). */
export const testHasher = new PasswordHasher({ testOnlyParams: { memoryKiB: 256, timeCost: 1, parallelism: 1 } });

/**
 * Runs `body` once per database kind on a fresh migrated database (PGlite always, PostgreSQL
 * with DELINEATE_TEST_DATABASE_URL; under CI a missing kind fails).
 */
export function describeWithDatabase(name: string, body: (getDb: () => Database) => void): void {
  const kinds = testing.testDatabaseKinds();
  for (const kind of kinds.missing) {
    if (kinds.required) {
      describe(`${name} [${kind}]`, () => {
        it(`needs ${testing.TEST_DATABASE_URL_ENV} under CI`, () => {
          throw new Error(`${testing.TEST_DATABASE_URL_ENV} is not set`);
        });
      });
    }
  }
  for (const kind of kinds.run) {
    describe(`${name} [${kind}]`, () => {
      let database: Database | undefined;
      beforeEach(async () => {
        database = await testing.createTestDatabase(kind);
      });
      afterEach(async () => {
        await database?.close();
        database = undefined;
      });
      body(() => {
        if (!database) throw new Error('the database exists only inside a test');
        return database;
      });
    });
  }
}

/** A project row with its label schema and protocol, written directly. */
export async function seedProject(db: Database['db'], options: { name?: string; modality?: Modality; region?: string } = {}): Promise<string> {
  const tag = randomUUID().slice(0, 8);
  const labels = [
    {
      key: 'liver',
      value: 1,
      name: 'Liver',
      concept: { scheme: 'SCT', value: '10200004', meaning: 'Liver' },
      category: { scheme: 'SCT', value: '123037004', meaning: 'Anatomical Structure' },
      colour: '#a05a2c',
      definition: 'Whole liver parenchyma.',
      inclusion: [],
      exclusion: [],
      referenceStandard: { title: 'Test standard', citation: 'Test citation' },
      requiresExpertReview: false,
    },
  ];
  const schema = await db.insertInto('label_schemas').values({ name: `schema-${tag}` }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('label_schema_versions').values({ schema_id: schema.id, version: 1, labels: JSON.stringify(labels) }).execute();
  const protocol = await db.insertInto('review_protocols').values({ name: `protocol-${tag}` }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('review_protocol_versions').values({ protocol_id: protocol.id, version: 1, checklist: '[]' }).execute();
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
      deid_options: '[]',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return project.id;
}
