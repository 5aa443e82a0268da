import { PassThrough, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DelineateError } from '@delineate/schema';

/** What a route accepts as a body: JSON (small), mask bytes (large), or nothing. */
export type BodyKind = 'json' | 'binary' | 'none';

export interface BodyRules {
  /** Largest JSON body, in bytes (also what a route without a body may carry, e.g. `{}`). */
  readonly jsonBytes: number;
  /** Largest mask upload, in bytes; only routes that take masks accept it. */
  readonly maskBytes: number;
  /** A JSON body must have arrived this long after its headers. */
  readonly jsonBodyTimeoutMs: number;
  /** A mask body must have arrived this long after its headers. */
  readonly maskBodyTimeoutMs: number;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const BINARY_TYPE = /^application\/(?:octet-stream|vnd\.delineate\.tiles|vnd\.delineate\.oct-boundaries|dicom|gzip)\s*(?:;|$)/i;

function bodyKind(request: FastifyRequest): BodyKind {
  return (request.routeOptions.config as { body?: BodyKind } | undefined)?.body ?? 'none';
}

/** True when the request announces a body (a length above zero, or chunked). */
function announcesBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return request.headers['transfer-encoding'] !== undefined;
}

function accepts(kind: BodyKind, contentType: string): boolean {
  // A route without a body still tolerates the `{}` some clients send with a POST.
  return kind === 'binary' ? BINARY_TYPE.test(contentType) : JSON_TYPE.test(contentType);
}

function limitOf(kind: BodyKind, rules: BodyRules): number {
  return kind === 'binary' ? rules.maskBytes : rules.jsonBytes;
}

/**
 * Per-route body rules, decided from the headers before a byte of the body is read: the content
 * types and the size limit of the route (masks only where masks are taken), and a deadline for the
 * body to arrive. The checks run after the access layer's onRequest, so a body sent without a
 * session is refused by its 401 first; every refusal closes the connection (see errors.ts), so the unread body is dropped.
 * Install before any route is registered: the limits are set as routes register.
 */
export function installBodyRules(app: FastifyInstance, rules: BodyRules): void {
  app.addContentTypeParser(['application/octet-stream', 'application/vnd.delineate.tiles', 'application/dicom', 'application/gzip', 'application/vnd.delineate.oct-boundaries'], { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body);
  });

  // Fastify reads the route's own bodyLimit over the parser's; routes that take masks get the large one.
  app.addHook('onRoute', (route) => {
    const kind = (route.config as { body?: BodyKind } | undefined)?.body ?? 'none';
    route.bodyLimit = limitOf(kind, rules);
  });

  // preParsing runs after every onRequest hook (the access layer's 401 comes first) and before a
  // byte of the body is read.
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (!announcesBody(request)) return payload;
    if (request.routeOptions.url === undefined) {
      throw new DelineateError('DLN_ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0] ?? ''}`);
    }
    // Fastify never reads the body of a GET or HEAD; refusing it closes the connection instead of
    // leaving the bytes to stall it.
    if (request.method === 'GET' || request.method === 'HEAD') throw new DelineateError('DLN_REQUEST_INVALID', 'A GET request carries no body');
    const kind = bodyKind(request);
    const contentType = request.headers['content-type'] ?? '';
    if (!accepts(kind, contentType)) {
      throw new DelineateError(
        'DLN_REQUEST_UNSUPPORTED_MEDIA',
        kind === 'binary' ? 'This route takes a binary body (application/octet-stream, or the media type it names)' : 'This route takes an application/json body',
      );
    }
    const length = Number(request.headers['content-length']);
    if (Number.isFinite(length) && length > limitOf(kind, rules)) {
      throw new DelineateError('DLN_REQUEST_TOO_LARGE', 'Request body is larger than this route accepts', { limitBytes: limitOf(kind, rules) });
    }
    return withDeadline(payload, kind === 'binary' ? rules.maskBodyTimeoutMs : rules.jsonBodyTimeoutMs);
  });
}

/**
 * The body as a stream that fails with DLN_REQUEST_TIMEOUT when it has not ended by the deadline:
 * a client trickling a byte every few seconds would otherwise hold the request open for hours.
 */
function withDeadline(payload: Readable, timeoutMs: number): Readable {
  if (payload.readableEnded) return payload;
  const limited = new PassThrough();
  const timer = setTimeout(() => {
    payload.unpipe(limited);
    limited.destroy(new DelineateError('DLN_REQUEST_TIMEOUT', 'The request body did not arrive in time'));
  }, timeoutMs);
  timer.unref();
  const stop = (): void => clearTimeout(timer);
  payload.once('end', stop);
  payload.once('close', stop);
  payload.once('error', (error) => {
    stop();
    limited.destroy(error);
  });
  payload.pipe(limited);
  return limited;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route accepts as a body; set by defineRoute. */
    body?: BodyKind;
  }
}
