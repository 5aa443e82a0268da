import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { auditEventsToDicomXml, auditEventsToFhirBundle, auditKeyFingerprint, loadAuditPublicKey, readCheckpoints } from '@delineate/store';
import { Timestamp } from '@delineate/schema';
import { defineRoute, type RouteRegistry } from '../http/route';
import type { AccessRuntime } from './plugin';

const projectParams = z.object({ projectId: z.uuid() });
const rangeQuery = z.object({
  from: Timestamp,
  to: Timestamp,
  limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
});
const exportQuery = rangeQuery.extend({ format: z.enum(['fhir', 'dicom']).default('fhir') });

/** The audit log for auditors: a project's events, their export, and chain verification. */
export function registerAuditRoutes(app: FastifyInstance, registry: RouteRegistry, runtime: AccessRuntime, dataDir: string): void {
  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/audit',
    operationId: 'listAuditEvents',
    summary: 'The audit events of a project in a time range',
    tags: ['audit'],
    action: 'audit.read',
    resource: 'project',
    params: projectParams,
    query: rangeQuery,
    responses: { 200: { description: 'Events in sequence order' } },
    handler: async ({ params, query }) => ({ events: await runtime.audit.range(new Date(query.from), new Date(query.to), query.limit, params.projectId) }),
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/audit/export',
    operationId: 'exportAuditEvents',
    summary: 'A project’s audit events as FHIR AuditEvent (IHE BALP) JSON or DICOM audit messages (PS3.15 A.5) XML',
    tags: ['audit'],
    action: 'audit.export',
    resource: 'project',
    params: projectParams,
    query: exportQuery,
    responses: { 200: { description: 'The export' } },
    handler: async ({ params, query }, _request, reply) => {
      const rows = await runtime.audit.range(new Date(query.from), new Date(query.to), query.limit, params.projectId);
      const source = { sourceId: hostname() };
      return query.format === 'fhir'
        ? reply.type('application/fhir+json').send(auditEventsToFhirBundle(rows, source))
        : reply.type('application/xml').send(auditEventsToDicomXml(rows, source));
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/audit/verify',
    operationId: 'verifyAuditLog',
    summary: 'Recompute the audit hash chain and check it against the signed checkpoints, the anchor and the checkpoint policy; with the newest checkpoint (auditors and platform administrators)',
    tags: ['audit'],
    action: 'audit.verify',
    resource: 'audit',
    responses: { 200: { description: 'The verification result' } },
    handler: async () => {
      // The server holds only the data folder's key: an independent check is `delineate audit verify --public-key`.
      const publicKey = (await loadAuditPublicKey(dataDir)) ?? runtime.auditKey.publicKey;
      const result = await runtime.audit.verify(dataDir, {
        publicKey,
        policy: runtime.audit.policy,
        now: runtime.now(),
        ...(runtime.auditAnchor ? { anchor: runtime.auditAnchor } : {}),
      });
      // The newest signed checkpoint, for the auditor's page: what the last signature covers and when.
      const last = (await readCheckpoints(dataDir)).checkpoints.reduce<{ sequence: number; time: string } | null>((a, c) => (a === null || c.sequence >= a.sequence ? { sequence: c.sequence, time: c.time } : a), null);
      return { ...result, keyFingerprint: auditKeyFingerprint(publicKey), anchor: runtime.auditAnchor?.location ?? null, lastCheckpoint: last, verifiedAt: runtime.now().toISOString() };
    },
  });
}
