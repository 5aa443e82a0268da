import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser } from '../test/auth';
import { startHarness, type Harness } from '../test/harness';
import { WEB_APP_NOT_BUILT } from '../server';

describe('system routes and error shape', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('pglite');
  });
  afterAll(async () => h?.close());

  it('reports health with the database and blob store checked', async () => {
    const res = await h.server.app.inject({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', database: { kind: 'pglite', ok: true }, blobs: { kind: 'local', ok: true } });
  });

  it('says how to build the web app at every page address when it is not built; the API still answers 404 as JSON', async () => {
    for (const url of ['/', '/projects', '/work']) {
      const page = await h.server.app.inject({ method: 'GET', url });
      expect(page.statusCode).toBe(503);
      expect(page.headers['content-type']).toMatch(/^text\/plain/);
      expect(page.body).toBe(WEB_APP_NOT_BUILT);
    }
    const api = await h.server.app.inject({ method: 'GET', url: '/api/no-such-route' });
    expect([api.statusCode, api.json().code]).toEqual([404, 'DLN_ROUTE_NOT_FOUND']);
  });

  it('describes every registered route in the OpenAPI document, with its policy', async () => {
    const res = await h.server.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.values(doc.paths as Record<string, Record<string, { operationId: string; 'x-delineate-policy': unknown }>>).flatMap((p) => Object.values(p));
    expect(operations.length).toBe(h.server.registry.routes.length);
    expect(operations.map((o) => o.operationId)).toEqual(expect.arrayContaining(['getHealth', 'saveRevision', 'getRevisionMask', 'revertRevision']));
    for (const operation of operations) expect(operation['x-delineate-policy']).toBeDefined();
    const save = doc.paths['/api/annotations/{annotationId}/revisions'].post;
    expect(save.requestBody.content['application/octet-stream']).toBeDefined();
    expect(save.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['annotationId', 'If-Match', 'Idempotency-Key']));
  });

  it('answers unknown routes, bad JSON and wrong media types with stable codes', async () => {
    const unknown = await h.server.app.inject({ method: 'GET', url: '/api/nothing-here?name=Doe^John' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ code: 'DLN_ROUTE_NOT_FOUND', message: 'No route GET /api/nothing-here' });
    const itemUrl = `/api/items/${h.seeded.itemId}/annotations`;
    const auth = await asUser(h, h.seeded.userId);
    const badJson = await h.server.app.inject({ method: 'POST', url: itemUrl, headers: { ...auth, 'content-type': 'application/json' }, payload: '{"labelSchema": "Doe^John' });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().code).toMatch(/^DLN_/);
    expect(badJson.body).not.toContain('Doe');
    const media = await h.server.app.inject({ method: 'POST', url: itemUrl, headers: { ...auth, 'content-type': 'text/plain' }, payload: 'Doe^John' });
    expect(media.statusCode).toBe(415);
    expect(media.json().code).toBe('DLN_REQUEST_UNSUPPORTED_MEDIA');
    expect(media.body).not.toContain('Doe');
  });
});
