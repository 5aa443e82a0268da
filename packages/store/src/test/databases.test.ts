import { describe, expect, it } from 'vitest';
import { testDatabaseKinds } from './databases';

describe('testDatabaseKinds', () => {
  const url = 'postgres://127.0.0.1:54329/postgres';
  it('runs PGlite always and PostgreSQL when a server is given; under CI a missing PostgreSQL is required', () => {
    expect(testDatabaseKinds({})).toEqual({ run: ['pglite'], missing: ['postgres'], required: false });
    expect(testDatabaseKinds({ CI: 'true' })).toEqual({ run: ['pglite'], missing: ['postgres'], required: true });
    expect(testDatabaseKinds({ DELINEATE_TEST_DATABASE_URL: url })).toEqual({ run: ['pglite', 'postgres'], missing: [], required: false });
  });

  it('runs only the kinds chosen; one left out on purpose is not missing', () => {
    expect(testDatabaseKinds({ CI: 'true', DELINEATE_TEST_DATABASES: 'pglite' })).toEqual({ run: ['pglite'], missing: [], required: true });
    expect(testDatabaseKinds({ DELINEATE_TEST_DATABASES: 'postgres', DELINEATE_TEST_DATABASE_URL: url })).toEqual({ run: ['postgres'], missing: [], required: false });
    expect(testDatabaseKinds({ CI: 'true', DELINEATE_TEST_DATABASES: 'postgres' })).toEqual({ run: [], missing: ['postgres'], required: true });
    expect(() => testDatabaseKinds({ DELINEATE_TEST_DATABASES: 'mysql' })).toThrow(/pglite and postgres only/);
  });
});
