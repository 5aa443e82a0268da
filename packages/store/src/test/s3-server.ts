/** An S3-compatible server on loopback for other workspaces' tests (s3rver, a dev dependency). */
export interface TestS3Server {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** A `DELINEATE_BLOB_URL` for one of the server's buckets. */
  blobUrl(bucket: string, prefix?: string): string;
  close(): Promise<void>;
}

export async function startTestS3Server(options: { directory: string; buckets: readonly string[] }): Promise<TestS3Server> {
  // Imported here: s3rver is a dev dependency, and the store's main module exports `testing`.
  const { default: S3rver } = await import('s3rver');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: options.directory, configureBuckets: options.buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    blobUrl: (bucket, prefix = 'blobs') => `s3://S3RVER:S3RVER@${bucket}/${prefix}?endpoint=${endpoint}`,
    close: () => server.close(),
  };
}
