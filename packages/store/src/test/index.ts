export {
  createTestDatabase,
  preparePGliteTemplate,
  preparePostgresTemplate,
  TEST_DATABASE_URL_ENV,
  testDatabaseKinds,
  type TestDatabaseKinds,
} from './databases';
export { describeStore } from './describe-store';
export { fakeHash, seedProject, seedProjectRow, testChecklist, testLabels, type ProjectRowOptions, type SeededProject } from './fixtures';
