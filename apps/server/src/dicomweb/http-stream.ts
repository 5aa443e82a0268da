import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** An answer whose body is read as it arrives, with the connection's own backpressure. */
export interface StreamedAnswer {
  readonly status: number;
  header(name: string): string | null;
  readonly body: AsyncIterable<Uint8Array>;
  /** Closes the connection: for an answer refused or left before its end. */
  discard(): void;
}

/**
 * A GET whose answer is streamed through `node:http`. Retrievals use it rather than `fetch`:
 * the HTTP client inside Node 24 (undici 7) throws an uncatchable assertion when a server
 * closes the connection while a slowly read answer holds its parser paused (undici issue
 * 5360), which is exactly a large retrieval staged to disk instance by instance. Redirects are
 * not followed: they would carry the credentials to another server.
 */
export function streamGet(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<StreamedAnswer> {
  const request = new URL(url).protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, signal }, (res: IncomingMessage) => {
      resolve({
        status: res.statusCode ?? 0,
        header: (name) => {
          const value = res.headers[name.toLowerCase()];
          return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
        },
        body: res,
        discard: () => res.destroy(),
      });
    });
    req.once('error', reject);
    req.end();
  });
}
