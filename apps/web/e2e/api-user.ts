import { totp } from './harness';

export interface ApiUser {
  readonly userId: string;
  /** The sign-in answer (mfa state, notices). */
  readonly login: { mfa: string; notices: { kind: string }[] };
  raw(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  ok(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** A GET whose answer is bytes (a download); throws unless 2xx. */
  bytes(path: string): Promise<Uint8Array>;
}

/**
 * Signs in over HTTP (enrolling TOTP when the account must) and calls the API with the bearer token.
 * A Uint8Array body goes as octet-stream, anything else as JSON. `ok` throws with the answer when
 * the status is not 2xx: a plain check, not vitest's expect, so benches can use it too.
 */
export async function apiUser(base: string, username: string, password: string): Promise<ApiUser> {
  let token = '';
  const raw = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const binary = body instanceof Uint8Array;
    const res = await fetch(base + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': binary ? 'application/octet-stream' : 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: binary ? (body as BodyInit) : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  };
  const ok = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const res = await raw(method, path, body, headers);
    if (res.status >= 300) throw new Error(`${username} ${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const login = await raw('POST', '/api/auth/login', { username, password });
  if (login.status !== 200) throw new Error(`${username} could not sign in: ${JSON.stringify(login.body)}`);
  token = login.body.token;
  if (login.body.mfa === 'enrolment_required') {
    const { secret } = await ok('POST', '/api/auth/mfa/totp');
    token = (await ok('POST', '/api/auth/mfa/verify', { code: totp(secret) })).token;
  }
  const bytes = async (path: string) => {
    const res = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
    if (res.status >= 300) throw new Error(`${username} GET ${path} → ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  };
  return { raw, ok, bytes, userId: login.body.userId, login: login.body };
}
