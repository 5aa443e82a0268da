import { afterEach, beforeEach, describe, it } from 'vitest';
import type { Database } from '../sql/database';
import { createTestDatabase, TEST_DATABASE_URL_ENV, testDatabaseKinds } from './databases';

/**
 * The store's conformance harness: `body` runs once per database kind (PGlite and
 * PostgreSQL), each test on a fresh database copied from the migrated template. Without
 * DELINEATE_TEST_DATABASE_URL the PostgreSQL half is skipped locally and fails under CI=true.
 */
export function describeStore(name: string, body: (getDb: () => Database) => void): void {
  const kinds = testDatabaseKinds();
  for (const kind of kinds.missing) {
    if (kinds.required) {
      describe(`${name} [${kind}]`, () => {
        it(`needs ${TEST_DATABASE_URL_ENV} under CI`, () => {
          throw new Error(`${TEST_DATABASE_URL_ENV} is not set: the ${kind} half of the store suite cannot run`);
        });
      });
    } else {
      describe.skip(`${name} [${kind}] (set ${TEST_DATABASE_URL_ENV} to run)`, () => {
        it('skipped', () => undefined);
      });
    }
  }
  for (const kind of kinds.run) {
    describe(`${name} [${kind}]`, () => {
      let database: Database | undefined;
      beforeEach(async () => {
        database = await createTestDatabase(kind);
      });
      afterEach(async () => {
        await database?.close();
        database = undefined;
      });
      body(() => {
        if (!database) throw new Error('describeStore: the database is only available inside a test');
        return database;
      });
    });
  }
}
