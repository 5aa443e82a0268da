import { dropOrphanedTestDatabases, preparePGliteTemplate, preparePostgresTemplate, TEST_DATABASE_URL_ENV } from './databases';

/** vitest globalSetup: migrate the test templates once per run, before the workers start. */
export default async function setup(): Promise<void> {
  await preparePGliteTemplate();
  const url = process.env[TEST_DATABASE_URL_ENV];
  if (url) {
    await preparePostgresTemplate(url);
    await dropOrphanedTestDatabases(url);
  }
}
