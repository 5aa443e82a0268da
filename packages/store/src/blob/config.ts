import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DelineateError, exhaustiveSwitchError } from '@delineate/schema';
import { loadBlobKey, type BlobKey } from './key';
import { LocalBlobStore } from './local';
import { S3BlobStore, type S3Credentials } from './s3';
import type { BlobStore } from './types';

export type BlobStoreConfig =
  | { kind: 'local'; dir: string; region: string }
  | {
      kind: 's3';
      bucket: string;
      prefix: string;
      region: string;
      endpoint?: string;
      awsRegion?: string;
      forcePathStyle?: boolean;
      credentials?: S3Credentials;
    };

export interface BlobEnvironment {
  /** The data folder (`DELINEATE_DATA`); local blobs default to `<dataDir>/blobs`. */
  dataDir: string;
  env?: Readonly<Record<string, string | undefined>>;
}

const regionPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
const s3Parameters = new Set(['endpoint', 'region', 'forcePathStyle']);

function invalid(message: string): DelineateError {
  return new DelineateError('DLN_CONFIG_INVALID', message);
}

/**
 * Reads `DELINEATE_BLOB_URL` and `DELINEATE_REGION`. The URL is either
 * `s3://[accessKeyId:secret@]bucket[/prefix][?endpoint=…&region=…&forcePathStyle=true|false]`
 * or a folder (a path or `file://` URL); unset means `<dataDir>/blobs`. Messages never echo
 * the URL, which may hold a secret.
 */
export function blobStoreConfigFromEnv({ dataDir, env = {} }: BlobEnvironment): BlobStoreConfig {
  const region = (env.DELINEATE_REGION ?? '').trim() || 'local';
  if (!regionPattern.test(region)) {
    throw invalid('DELINEATE_REGION must be lowercase letters, digits and dashes (e.g. "eu-west-1" or "local")');
  }
  const url = (env.DELINEATE_BLOB_URL ?? '').trim();
  if (url === '') return { kind: 'local', dir: resolve(dataDir, 'blobs'), region };
  if (url.startsWith('s3://')) return { ...parseS3Url(url), region };
  if (url.startsWith('file://')) return { kind: 'local', dir: fileURLToPath(url), region };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw invalid('DELINEATE_BLOB_URL must be an s3:// URL, a file:// URL or a folder path');
  }
  return { kind: 'local', dir: isAbsolute(url) ? url : resolve(url), region };
}

/**
 * Parses `s3://[accessKeyId:secret@]bucket[/prefix][?endpoint=…&region=…&forcePathStyle=…]`;
 * `variable` names the setting in messages, `extraParameters` are further query names the caller reads.
 */
export function parseS3Url(
  text: string,
  variable = 'DELINEATE_BLOB_URL',
  extraParameters: readonly string[] = [],
): Omit<Extract<BlobStoreConfig, { kind: 's3' }>, 'region'> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(`${variable} is not a valid s3:// URL`);
  }
  const bucket = url.hostname;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw invalid(`${variable} names an invalid S3 bucket (3-63 lowercase letters, digits, dots, dashes)`);
  }
  for (const name of url.searchParams.keys()) {
    if (!s3Parameters.has(name) && !extraParameters.includes(name)) {
      throw invalid(`${variable} has an unknown parameter "${name}" (known: ${[...s3Parameters, ...extraParameters].join(', ')})`);
    }
  }
  const config: Omit<Extract<BlobStoreConfig, { kind: 's3' }>, 'region'> = {
    kind: 's3',
    bucket,
    prefix: decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, ''),
  };
  const endpoint = url.searchParams.get('endpoint');
  if (endpoint !== null) {
    if (!/^https?:\/\/[^/]+/.test(endpoint)) throw invalid(`${variable} endpoint must be an http(s) URL`);
    config.endpoint = endpoint;
  }
  const awsRegion = url.searchParams.get('region');
  if (awsRegion !== null) config.awsRegion = awsRegion;
  const pathStyle = url.searchParams.get('forcePathStyle');
  if (pathStyle !== null) {
    if (pathStyle !== 'true' && pathStyle !== 'false') throw invalid(`${variable} forcePathStyle must be true or false`);
    config.forcePathStyle = pathStyle === 'true';
  }
  if (url.username !== '' || url.password !== '') {
    if (url.username === '' || url.password === '') {
      throw invalid(`${variable} credentials need both an access key id and a secret`);
    }
    config.credentials = {
      accessKeyId: decodeURIComponent(url.username),
      secretAccessKey: decodeURIComponent(url.password),
    };
  }
  return config;
}

export function createBlobStore(config: BlobStoreConfig, key: BlobKey): BlobStore {
  switch (config.kind) {
    case 'local':
      return new LocalBlobStore({ dir: config.dir, key, region: config.region });
    case 's3':
      return new S3BlobStore({ ...config, key });
    default:
      return exhaustiveSwitchError(config);
  }
}

/** The configured blob store with its key, from the environment (what apps call at start). */
export async function openBlobStore(environment: BlobEnvironment): Promise<BlobStore> {
  const config = blobStoreConfigFromEnv(environment);
  const key = await loadBlobKey(environment);
  return createBlobStore(config, key);
}
