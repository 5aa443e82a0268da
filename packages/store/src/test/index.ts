export {
  createTestDatabase,
  preparePGliteTemplate,
  preparePostgresTemplate,
  TEST_DATABASE_URL_ENV,
  testDatabaseKinds,
  type TestDatabaseKinds,
} from './databases';
export { describeStore } from './describe-store';
