import { createRequire } from 'node:module';
import type * as S3 from '@aws-sdk/client-s3';

let sdk: typeof S3 | undefined;

/**
 * The AWS SDK's S3 client, loaded when the first S3 blob store or audit anchor is made: it takes
 * longer to load than the rest of a command, and the embedded default never uses it.
 */
export function s3Sdk(): typeof S3 {
  sdk ??= createRequire(import.meta.url)('@aws-sdk/client-s3') as typeof S3;
  return sdk;
}
