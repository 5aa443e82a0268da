import { createDemoProject, openGateBed } from './test/gate-bed';
import { keepQuarantinedSource } from './test/quarantine';
import { startTestS3Server } from './test/s3-server';
import { createEmptyPostgresDatabase, createTestDatabase, seedPGliteDataDir, TEST_DATABASE_URL_ENV, testDatabaseKinds } from './test/databases';

/**
 * Test databases for other workspaces' tests (apps/server, the crash test): fresh migrated
 * databases copied from a template, for PGlite and for PostgreSQL
 * (`DELINEATE_TEST_DATABASE_URL`). Imports no test framework.
 */
export const testing = { createTestDatabase, createEmptyPostgresDatabase, seedPGliteDataDir, keepQuarantinedSource, createDemoProject, openGateBed, testDatabaseKinds, startTestS3Server, TEST_DATABASE_URL_ENV } as const;
