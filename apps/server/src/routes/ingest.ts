import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DelineateError } from '@delineate/schema';
import { binaryBody, defineRoute, type RouteRegistry } from '../http/route';

/**
 * Runs a batch of files through the ingest gate for a project and returns its report. The server
 * cannot import the worker (apps never import each other): the composition root (`delineate
 * start`) passes the same function `delineate ingest` runs on its own.
 */
export type IngestRunner = (input: { readonly projectId: string; readonly files: readonly Uint8Array[] }) => Promise<object>;

/**
 * The batch wire format (`delineate ingest` beside a running server): each file as a 4-byte
 * big-endian length followed by its bytes. One request carries a whole batch because the gate
 * assembles a series' volume from all of its slices.
 */
export function encodeFileBatch(files: readonly Uint8Array[]): Uint8Array {
  const total = files.reduce((sum, f) => sum + 4 + f.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const file of files) {
    view.setUint32(at, file.length);
    out.set(file, at + 4);
    at += 4 + file.length;
  }
  return out;
}

export function decodeFileBatch(body: Uint8Array): Uint8Array[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const files: Uint8Array[] = [];
  let at = 0;
  while (at < body.length) {
    if (at + 4 > body.length) throw new DelineateError('DLN_REQUEST_INVALID', 'The file batch ends inside a length');
    const length = view.getUint32(at);
    if (at + 4 + length > body.length) throw new DelineateError('DLN_REQUEST_INVALID', 'The file batch ends inside a file');
    files.push(body.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  if (files.length === 0) throw new DelineateError('DLN_REQUEST_INVALID', 'The file batch holds no file');
  return files;
}

export function registerIngestRoutes(app: FastifyInstance, registry: RouteRegistry, ingest: IngestRunner | undefined): void {
  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/projects/:projectId/ingest',
    operationId: 'ingestFileBatch',
    summary: 'Run a batch of DICOM files and slides through the de-identification gate into the project (the report of `delineate ingest`; slides are converted to a tiled pyramid)',
    tags: ['ingest'],
    action: 'ingest.create',
    resource: 'project',
    params: z.object({ projectId: z.uuid() }),
    body: binaryBody,
    responses: { 200: { description: 'One line per file (status, code, reason; never a value from it) and the counts' } },
    handler: async ({ params, body }) => {
      if (!ingest) throw new DelineateError('DLN_INGEST_UNAVAILABLE', 'This server runs no ingest gate (start it with `delineate start`)');
      return ingest({ projectId: params.projectId, files: decodeFileBatch(body) });
    },
  });
}
