import { DelineateError, errorCodes, type ErrorCode } from '@delineate/schema';
import type { ServerFile } from './running-server';

/** The environment variable that holds the API token the CLI presents to a running server. */
export const API_TOKEN_ENV = 'DELINEATE_API_TOKEN';

/**
 * The CLI's HTTP client of a running server on the same data folder. Errors come back as the
 * server's coded error (code and message, which never carry PHI), so the CLI prints them as it
 * prints its own.
 */
export class ServerClient {
  readonly #url: string;
  readonly #credential: string;

  constructor(server: ServerFile, credential: string) {
    this.#url = server.url.replace(/\/$/, '');
    this.#credential = credential;
  }

  async json<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return this.#send<T>(method, path, body === undefined ? undefined : { type: 'application/json', bytes: JSON.stringify(body) });
  }

  async binary<T>(path: string, bytes: Uint8Array): Promise<T> {
    return this.#send<T>('POST', path, { type: 'application/octet-stream', bytes });
  }

  async #send<T>(method: string, path: string, body: { type: string; bytes: string | Uint8Array } | undefined): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.#url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.#credential}`, ...(body ? { 'content-type': body.type } : {}) },
        ...(body ? { body: body.bytes } : {}),
      });
    } catch {
      throw new DelineateError('DLN_CLI_SERVER_UNREACHABLE', `The server running on this data folder (${this.#url}) does not answer; if it has stopped without cleaning up, remove server.json from the data folder`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed ?? {}) as { code?: string; message?: string };
      const code: ErrorCode = error.code && error.code in errorCodes ? (error.code as ErrorCode) : 'DLN_INTERNAL';
      throw new DelineateError(code, `the server refused: ${error.message ?? `HTTP ${response.status}`}`);
    }
    return parsed as T;
  }
}
