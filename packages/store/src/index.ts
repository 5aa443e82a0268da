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
