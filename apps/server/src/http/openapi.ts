import { z } from 'zod';
import { binaryBody, type RouteRegistry, type RouteSpec } from './route';

type JsonObject = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): JsonObject {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonObject;
  delete out.$schema;
  return out;
}

function toOpenApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(route: RouteSpec<unknown, unknown, unknown>): JsonObject[] {
  const out: JsonObject[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const js = jsonSchema(schema);
    const props = (js.properties ?? {}) as Record<string, JsonObject>;
    const required = new Set((js.required ?? []) as string[]);
    for (const [name, prop] of Object.entries(props)) {
      out.push({ name, in: where, required: where === 'path' || required.has(name), schema: prop });
    }
  }
  for (const header of route.headers ?? []) {
    out.push({ name: header.name, in: 'header', required: header.required ?? false, description: header.description, schema: { type: 'string' } });
  }
  return out;
}

export const errorBodySchema = z
  .object({
    code: z.string().regex(/^DLN_[A-Z0-9_]+$/),
    message: z.string(),
  })
  .catchall(z.union([z.string(), z.number(), z.boolean(), z.null()]));

/** The OpenAPI 3.1 document of every registered route, generated from their zod schemas. */
export function buildOpenApiDocument(registry: RouteRegistry, info: { title: string; version: string }): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const route of registry.routes) {
    const path = toOpenApiPath(route.url);
    const responses: JsonObject = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      responses[status] = {
        description: spec.description,
        ...(spec.binary
          ? { content: { [typeof spec.binary === 'string' ? spec.binary : 'application/octet-stream']: { schema: { type: 'string', format: 'binary' } } } }
          : spec.schema
            ? { content: { 'application/json': { schema: jsonSchema(spec.schema) } } }
            : {}),
      };
    }
    responses.default = {
      description: 'An error with a stable DLN_ code',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
    const operation: JsonObject = {
      operationId: route.operationId,
      summary: route.summary,
      tags: route.tags,
      parameters: parameters(route),
      responses,
      'x-delineate-policy': { action: route.action, resource: route.resource },
      ...(route.authenticated === false ? { security: [] } : {}),
    };
    if (route.body === binaryBody) {
      const mediaTypes = typeof route.binaryMediaType === 'string' ? [route.binaryMediaType] : (route.binaryMediaType ?? ['application/octet-stream']);
      operation.requestBody = { required: true, content: Object.fromEntries(mediaTypes.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])) };
    } else if (route.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } };
    }
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: { Error: jsonSchema(errorBodySchema) },
      securitySchemes: { session: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ session: [] }],
  };
}
