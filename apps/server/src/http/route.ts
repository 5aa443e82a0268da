import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CONTROL_CHARACTER, DelineateError } from '@delineate/schema';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a route does, for the policy function: every route declares both. */
export interface RoutePolicy {
  action: string;
  resource: string;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** The body is raw bytes: `application/octet-stream` when true, or the media type given. */
  binary?: boolean | string;
}

export interface HeaderSpec {
  name: string;
  description: string;
  required?: boolean;
}

export interface RouteSpec<P, Q, B> extends RoutePolicy {
  method: HttpMethod;
  /** Fastify path, e.g. `/api/annotations/:annotationId/revisions`. */
  url: string;
  operationId: string;
  summary: string;
  tags: string[];
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  /** A zod schema for a JSON body, or {@link binaryBody} for raw `application/octet-stream` bytes. */
  body?: z.ZodType<B>;
  /** The media type (or types) a {@link binaryBody} route takes, when not `application/octet-stream`. */
  binaryMediaType?: string | readonly string[];
  headers?: HeaderSpec[];
  responses: Record<number, ResponseSpec>;
  /** False only for the few routes anonymous callers may use (health, OpenAPI, login). */
  authenticated?: boolean;
  handler: (input: RouteInput<P, Q, B>, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

/** The routes a server registered, for the OpenAPI document and the policy matrix. */
export class RouteRegistry {
  readonly routes: RouteSpec<unknown, unknown, unknown>[] = [];

  add<P, Q, B>(spec: RouteSpec<P, Q, B>): void {
    this.routes.push(spec as RouteSpec<unknown, unknown, unknown>);
  }
}

/**
 * The path of the first string (value or key) in `value` holding a control character, if any.
 * Checked on every route's input before its schema: PostgreSQL cannot store NUL, and no name,
 * note or id of the platform needs the other controls, whatever a route's own schema forgot.
 */
function controlCharacterPath(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return CONTROL_CHARACTER.test(value) ? path : undefined;
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return undefined;
  // No request of the API nests this deep; a body that does is refused before anything recurses into it.
  if (depth >= MAX_INPUT_DEPTH) throw new DelineateError('DLN_REQUEST_INVALID', `Invalid request: nested deeper than ${MAX_INPUT_DEPTH} levels`);
  for (const [key, inner] of Object.entries(value)) {
    if (CONTROL_CHARACTER.test(key)) return path;
    const found = controlCharacterPath(inner, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

const MAX_INPUT_DEPTH = 32;

function parseWith<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const controlAt = controlCharacterPath(value, where);
  if (controlAt) throw new DelineateError('DLN_REQUEST_INVALID', `Invalid request ${where}: ${controlAt} must not contain control characters`);
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  // Paths and issue codes only: never echo the submitted values, which may carry PHI.
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${where}${issue.path.length ? '.' + issue.path.join('.') : ''}: ${issue.message}`)
    .join('; ');
  throw new DelineateError('DLN_REQUEST_INVALID', `Invalid request ${where}: ${issues}`);
}

/** Registers a route on `app` and records it in `registry`. */
export function defineRoute<P, Q, B>(app: FastifyInstance, registry: RouteRegistry, spec: RouteSpec<P, Q, B>): void {
  registry.add(spec);
  app.route({
    method: spec.method,
    url: spec.url,
    config: { action: spec.action, resource: spec.resource, authenticated: spec.authenticated !== false, body: spec.body === binaryBody ? 'binary' : spec.body ? 'json' : 'none' },
    handler: async (request, reply) => {
      if (spec.body && spec.body !== binaryBody && !isJson(request.headers['content-type'])) {
        throw new DelineateError('DLN_REQUEST_UNSUPPORTED_MEDIA', 'This route takes an application/json body');
      }
      const input: RouteInput<P, Q, B> = {
        params: parseWith(spec.params, request.params, 'params'),
        query: parseWith(spec.query, request.query, 'query'),
        body: spec.body === binaryBody ? (requireBinary(request.body, request.headers['content-type'], spec.binaryMediaType) as B) : parseWith(spec.body, request.body, 'body'),
      };
      return spec.handler(input, request, reply);
    },
  });
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType.trim());
}

/** The body schema of routes that take raw bytes. */
export const binaryBody: z.ZodType<Uint8Array> = z.instanceof(Uint8Array);

/** Raw bytes of the route's own media type: a tile set is never taken as a whole mask, nor the reverse. */
function requireBinary(body: unknown, contentType: string | undefined, mediaType: string | readonly string[] = 'application/octet-stream'): Uint8Array {
  const accepted: readonly string[] = typeof mediaType === 'string' ? [mediaType] : mediaType;
  if (body instanceof Uint8Array && accepted.includes(contentType?.split(';')[0]?.trim().toLowerCase() ?? '')) return body;
  throw new DelineateError('DLN_REQUEST_UNSUPPORTED_MEDIA', `This route takes an ${accepted.join(' or ')} body`);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    action?: string;
    resource?: string;
    authenticated?: boolean;
  }
}
