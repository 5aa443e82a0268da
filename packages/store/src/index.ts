export {};

// Blob store (content-addressed, encrypted at rest): see src/blob/.
export type { BlobPutOptions, BlobPutResult, BlobStat, BlobStore } from './blob/types';
export { blobAddress, isBlobAddress } from './blob/address';
export { envelopeOverhead } from './blob/envelope';
export { BlobKey, blobKeyPath, loadBlobKey, parseBlobKeyText, type BlobKeySource, type LoadBlobKeyOptions } from './blob/key';
export { LocalBlobStore, type LocalBlobStoreOptions } from './blob/local';
export { S3BlobStore, type S3BlobStoreOptions, type S3Credentials } from './blob/s3';
export { blobStoreConfigFromEnv, createBlobStore, openBlobStore, type BlobEnvironment, type BlobStoreConfig } from './blob/config';
export { runBlobStoreConformance, type BlobStoreHarness } from './blob/conformance';

// SQL: database, migrations, repositories (see src/sql/, src/repositories/).
export { databaseConfigFromEnv, openDatabase, openPGlite, openPostgres, pgliteDatabase, type Database, type DatabaseConfig, type DatabaseKind } from './sql/database';
export { migrate, type MigrateResult } from './sql/migrate';
export { migrations } from './sql/migrations';
export { runStatements, sqlList, type Migration } from './sql/migration';
export type { DB } from './sql/tables';
export { translateDbError } from './repositories/db-errors';
export {
  AnnotationRepository,
  type AnnotationRepositoryOptions,
  type Clock,
  type CreateAnnotationInput,
  type RevertInput,
  type SaveRevisionInput,
  type SaveRevisionResult,
} from './repositories/annotations';
export { testing } from './testing';
export type { TestDatabaseKinds } from './test/databases';
