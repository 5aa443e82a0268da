import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser } from '../test/auth';
import { startHarness, type Harness } from '../test/harness';

interface Exchange {
  /** The status line and headers the server answered with, if it answered. */
  head: string;
  status: number | undefined;
  body: string;
  /** Body bytes the client managed to hand to the socket before the answer or the close. */
  bodyBytesWritten: number;
  /** Milliseconds from the request's headers to the answer (or the close when there was none). */
  answeredAfterMs: number;
  closedByServer: boolean;
}

/**
 * A raw HTTP/1.1 request over a socket, its body fed by `feed` until the server answers or closes:
 * an in-process inject() would hand Fastify the whole body at once and could not show what the
 * server reads before it answers.
 */
async function exchange(port: number, head: string, feed: (write: (chunk: Buffer) => Promise<boolean>) => Promise<void>, waitMs = 3000): Promise<Exchange> {
  const socket: Socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined); // EPIPE / ECONNRESET once the server drops the unread body
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const started = Date.now();
  let received = '';
  let answeredAt: number | undefined;
  let closed = false;
  let written = 0;
  const done = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      answeredAt ??= Date.now();
    });
    socket.once('close', () => {
      closed = true;
      resolve();
    });
  });
  socket.write(head);
  const write = async (chunk: Buffer): Promise<boolean> => {
    if (answeredAt !== undefined || closed || socket.destroyed) return false;
    written += chunk.length;
    if (!socket.write(chunk)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), done]);
    return answeredAt === undefined && !closed;
  };
  await feed(write);
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, waitMs))]);
  socket.destroy();
  const [headPart = '', body = ''] = received.split('\r\n\r\n');
  const status = /^HTTP\/1\.1 (\d{3})/.exec(headPart)?.[1];
  return {
    head: headPart,
    status: status === undefined ? undefined : Number(status),
    body,
    bodyBytesWritten: written,
    answeredAfterMs: (answeredAt ?? Date.now()) - started,
    closedByServer: closed,
  };
}

/** Feeds up to `total` bytes in 64 KiB chunks, stopping as soon as the server answers. */
function bulk(total: number) {
  return async (write: (chunk: Buffer) => Promise<boolean>) => {
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    for (let sent = 0; sent < total; sent += chunk.length) {
      if (!(await write(chunk))) return;
    }
  };
}

function post(url: string, headers: Record<string, string>): string {
  return [`POST ${url} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
}

const MiB = 1024 * 1024;

describe('request bodies are judged before they are read', () => {
  let h: Harness;
  let port: number;
  let serverBytesRead: () => number;
  beforeAll(async () => {
    h = await startHarness('pglite', { maxJsonBytes: 256 * 1024, maxMaskBytes: 96 * MiB, timeouts: { jsonBodyMs: 400, headersMs: 600, requestMs: 5_000 } });
    const sockets: Socket[] = [];
    h.server.app.server.on('connection', (socket: Socket) => sockets.push(socket));
    serverBytesRead = () => sockets.reduce((sum, socket) => sum + socket.bytesRead, 0);
    await h.server.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.server.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => h?.close());

  it('refuses a large anonymous octet-stream login with 415 before reading it, and drops the connection', async () => {
    const before = serverBytesRead();
    // Under the mask limit, as the probe's 250 MB were under the default 256 MiB: only the route's type can refuse it.
    const result = await exchange(port, post('/api/auth/login', { 'Content-Type': 'application/octet-stream', 'Content-Length': String(90 * MiB) }), bulk(90 * MiB));
    expect(result.status).toBe(415);
    expect(JSON.parse(result.body)).toMatchObject({ code: 'DLN_REQUEST_UNSUPPORTED_MEDIA' });
    expect(result.head.toLowerCase()).toContain('connection: close');
    expect(result.closedByServer).toBe(true);
    // Socket buffers take a few MB at most; the old parser read all 90 MiB before answering.
    expect(serverBytesRead() - before).toBeLessThan(8 * MiB);
  });

  it('refuses a large body without a session with 401 before reading it', async () => {
    const result = await exchange(
      port,
      post(`/api/items/${h.seeded.itemId}/annotations`, { 'Content-Type': 'application/json', 'Content-Length': String(200 * MiB) }),
      bulk(32 * MiB),
    );
    expect(result.status).toBe(401);
    expect(result.closedByServer).toBe(true);
    expect(result.bodyBytesWritten).toBeLessThan(16 * MiB);
  });

  it('refuses a JSON body over the JSON limit from Content-Length, and a mask upload on a JSON route', async () => {
    const auth = await asUser(h, h.seeded.userId);
    const url = `/api/items/${h.seeded.itemId}/annotations`;
    const tooLarge = await exchange(port, post(url, { ...auth, 'Content-Type': 'application/json', 'Content-Length': String(4 * MiB) }), bulk(4 * MiB));
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body)).toMatchObject({ code: 'DLN_REQUEST_TOO_LARGE' });
    expect(tooLarge.closedByServer).toBe(true);
    // A mask-sized octet-stream body is taken only by the routes that save masks.
    const mask = await h.server.app.inject({ method: 'POST', url, headers: { ...auth, 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(1024) });
    expect(mask.statusCode).toBe(415);
    expect(mask.json().code).toBe('DLN_REQUEST_UNSUPPORTED_MEDIA');
  });

  it('gives mask routes their own, larger limit', async () => {
    const auth = await asUser(h, h.seeded.userId);
    const created = await h.server.app.inject({ method: 'POST', url: `/api/items/${h.seeded.itemId}/annotations`, headers: auth, payload: { labelSchema: h.seeded.labelSchema } });
    expect(created.statusCode).toBe(201);
    const url = `/api/annotations/${created.json().id}/revisions`;
    // Over the JSON limit and under the mask limit: not refused for size (the bytes are no valid mask).
    const fits = await h.server.app.inject({ method: 'POST', url, headers: { ...auth, 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(1 * MiB) });
    expect(fits.json().code).not.toBe('DLN_REQUEST_TOO_LARGE');
    const over = await exchange(port, post(url, { ...auth, 'Content-Type': 'application/octet-stream', 'Content-Length': String(97 * MiB) }), bulk(16 * MiB));
    expect([over.status, JSON.parse(over.body).code]).toEqual([413, 'DLN_REQUEST_TOO_LARGE']);
  });

  it('refuses a body on an unknown route without reading it', async () => {
    const result = await exchange(port, post('/api/nothing-here', { 'Content-Type': 'application/json', 'Content-Length': String(100 * MiB) }), bulk(32 * MiB));
    expect(result.status).toBe(404);
    expect(result.closedByServer).toBe(true);
    expect(result.bodyBytesWritten).toBeLessThan(16 * MiB);
  });

  it('ends a body trickled a byte at a time with 408 at the configured deadline', async () => {
    const result = await exchange(port, post('/api/auth/login', { 'Content-Type': 'application/json', 'Content-Length': '1000' }), async (write) => {
      for (let i = 0; i < 40; i++) {
        if (!(await write(Buffer.from('{')))) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    expect(result.status).toBe(408);
    expect(JSON.parse(result.body)).toMatchObject({ code: 'DLN_REQUEST_TIMEOUT' });
    expect(result.answeredAfterMs).toBeLessThan(2000);
    expect(result.closedByServer).toBe(true);
  });

  it('closes a connection whose headers never finish', async () => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    const started = Date.now();
    socket.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 100);
    await new Promise((resolve) => socket.once('close', resolve));
    clearInterval(drip);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('refuses a body on a GET, which no route reads, and closes the connection', async () => {
    const head = ['GET /api/health HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', `Content-Length: ${32 * MiB}`, '', ''].join('\r\n');
    const result = await exchange(port, head, bulk(16 * MiB));
    expect(result.status).toBe(400);
    expect(result.closedByServer).toBe(true);
  });

  it('answers JSON nested thousands deep with a coded 400, not an internal error', async () => {
    const deep = '{"username":"a","password":"b","x":' + '['.repeat(50_000) + ']'.repeat(50_000) + '}';
    const res = await h.server.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: deep });
    expect([res.statusCode, res.json().code]).toEqual([400, 'DLN_REQUEST_INVALID']);
  });

  it('still answers a well-formed JSON request on the same limits', async () => {
    const res = await h.server.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: { username: 'nobody', password: 'not-the-password' } });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('DLN_AUTH_INVALID_CREDENTIALS');
  });
});
