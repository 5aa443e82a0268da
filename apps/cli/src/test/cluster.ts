// Several `delineate start` processes on one PostgreSQL and one S3 store, and the small
// round-robin load balancer in front of them: what the several-servers test and the load
// benchmark run (docs/production.md's worked example, on loopback).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cliBin } from './run-cli';

export interface ServerProcess {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** Everything it printed so far (JSON log lines at DELINEATE_LOG_LEVEL). */
  output(): string;
}

/** `delineate start --port 0 --no-demo` with `env`; resolves once it listens. */
export async function startServerProcess(env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [cliBin, 'start', '--port', '0', '--no-demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => (output += chunk.toString());
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output.slice(-2000)}`)), timeoutMs);
    const look = () => {
      const match = /running at (http:\/\/\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', look);
      resolve(match[1]!.replace('localhost', '127.0.0.1'));
    };
    child.stdout!.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${output.slice(-2000)}`));
    });
  });
  child.removeAllListeners('exit');
  return { child, base, output: () => output };
}

/** SIGKILL: no shutdown hook runs, as when a machine loses power. */
export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** SIGTERM and wait: the server's clean shutdown. */
export function stopGently(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export interface Balancer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Requests each backend answered, by backend base URL. */
  readonly answered: Map<string, number>;
  close(): Promise<void>;
}

/**
 * Round-robin over `backends`, as a TLS proxy in front of the servers would do. A backend that
 * refuses the connection (it is down) is skipped and the request sent to the next one, since
 * nothing reached it; a backend that dies with the request in flight answers 502, and the
 * client retries with its Idempotency-Key, as the web app does.
 */
export async function startBalancer(backends: readonly string[]): Promise<Balancer> {
  let next = 0;
  const answered = new Map<string, number>(backends.map((b) => [b, 0]));
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, tried: number): void => {
    const backend = backends[next++ % backends.length]!;
    const target = new URL(req.url ?? '/', backend);
    const upstream = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (reply) => {
      answered.set(backend, (answered.get(backend) ?? 0) + 1);
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
      reply.on('error', () => res.destroy());
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' && tried + 1 < backends.length) return forward(req, res, body, tried + 1);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'BALANCER_BACKEND_FAILED' }));
      else res.destroy();
    });
    upstream.end(body);
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => forward(req, res, Buffer.concat(chunks), 0));
  });
  // Longer than clients keep idle sockets (undici: 4 s), so a client never reuses one the balancer just closed.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answered,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
