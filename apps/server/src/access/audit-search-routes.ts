import { hostname } from 'node:os';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AuditOutcome, DelineateError, Timestamp } from '@delineate/schema';
import { auditEventBySequence, auditEventsForExport, auditEventsToDicomXml, auditEventsToFhirBundle, searchAuditEvents, type AuditSearchFilter, type Database } from '@delineate/store';
import { defineRoute, type RouteRegistry } from '../http/route';
import { requestAccess, type AccessRuntime } from './plugin';

const filterQuery = z.object({
  /** The person, by user name (auditors cannot list accounts). */
  actor: z.string().trim().min(1).max(64).optional(),
  action: z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/, 'an action name such as mask.read').optional(),
  objectType: z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/).optional(),
  objectId: z.string().trim().min(1).max(200).optional(),
  projectId: z.uuid().optional(),
  from: Timestamp.optional(),
  to: Timestamp.optional(),
  outcome: AuditOutcome.optional(),
});
const pageQuery = filterQuery.extend({
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const exportQuery = filterQuery.extend({
  format: z.enum(['fhir', 'dicom']).default('fhir'),
  limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
});
const eventParams = z.object({ sequence: z.coerce.number().int().min(1) });

/**
 * The projects whose events the caller may read under `action`: those where they hold one of
 * the action's roles; null (every event, also those of no project) for platform administrators
 * when the action admits them.
 */
function reachOf(request: FastifyRequest, runtime: AccessRuntime, action: string): string[] | null {
  const access = requestAccess(request);
  const principal = access.principal;
  if (principal.kind !== 'user') throw new DelineateError('DLN_AUTH_REQUIRED', 'Sign in to do this');
  const entry = runtime.policy.actions[action]!;
  if (principal.platformAdmin && entry.platformAdmin) return null;
  return [...new Set(principal.roles.filter((r) => entry.roles.includes(r.role)).map((r) => r.projectId))];
}

async function filterOf(database: Database, query: z.infer<typeof filterQuery>, reach: string[] | null): Promise<AuditSearchFilter | undefined> {
  if (query.from && query.to && Date.parse(query.from) >= Date.parse(query.to)) {
    throw new DelineateError('DLN_AUDIT_RANGE_INVALID', 'The start of the time range must be before its end');
  }
  let actorId: string | undefined;
  if (query.actor !== undefined) {
    const user = await database.db.selectFrom('users').select('id').where('username', '=', query.actor).executeTakeFirst();
    // Nobody by that name did anything: an empty page, not an error.
    if (!user) return undefined;
    actorId = user.id;
  }
  return {
    projectIds: reach,
    ...(actorId ? { actorId } : {}),
    ...(query.action ? { action: query.action } : {}),
    ...(query.objectType ? { objectType: query.objectType } : {}),
    ...(query.objectId ? { objectId: query.objectId } : {}),
    ...(query.projectId ? { projectId: query.projectId } : {}),
    ...(query.from ? { from: new Date(query.from) } : {}),
    ...(query.to ? { to: new Date(query.to) } : {}),
    ...(query.outcome ? { outcome: query.outcome } : {}),
  };
}

/** The audit log across the projects an auditor audits: filtered pages, one event, the filtered range exported. */
export function registerAuditSearchRoutes(app: FastifyInstance, registry: RouteRegistry, runtime: AccessRuntime, database: Database): void {
  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/audit/events',
    operationId: 'searchAuditEvents',
    summary: 'Audit events of the projects the caller audits (every event for a platform administrator), newest first, filtered, one page after the event `before`',
    tags: ['audit'],
    action: 'audit.search',
    resource: 'audit',
    query: pageQuery,
    responses: { 200: { description: 'One page and the cursor of the next', schema: z.object({ events: z.array(z.record(z.string(), z.unknown())), nextBefore: z.number().int().nullable() }) }, 400: { description: 'DLN_AUDIT_RANGE_INVALID' } },
    handler: async ({ query }, request) => {
      const filter = await filterOf(database, query, reachOf(request, runtime, 'audit.search'));
      if (!filter) return { events: [], nextBefore: null };
      return searchAuditEvents(database.db, filter, { limit: query.limit, ...(query.before ? { before: query.before } : {}) });
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/audit/events/export',
    operationId: 'exportAuditSearch',
    summary: 'The filtered range, oldest first, as FHIR AuditEvent (IHE BALP) JSON or DICOM audit messages (PS3.15 A.5) XML',
    tags: ['audit'],
    action: 'audit.search.export',
    resource: 'audit',
    query: exportQuery,
    responses: { 200: { description: 'The export, as a download' }, 400: { description: 'DLN_AUDIT_RANGE_INVALID' } },
    handler: async ({ query }, request, reply) => {
      const filter = await filterOf(database, query, reachOf(request, runtime, 'audit.search.export'));
      const rows = filter ? await auditEventsForExport(database.db, filter, query.limit) : [];
      const source = { sourceId: hostname() };
      const name = `audit-${runtime.now().toISOString().slice(0, 19).replace(/:/g, '')}`;
      return query.format === 'fhir'
        ? reply.type('application/fhir+json').header('content-disposition', `attachment; filename="${name}.fhir.json"`).send(auditEventsToFhirBundle(rows, source))
        : reply.type('application/xml').header('content-disposition', `attachment; filename="${name}.dicom-audit.xml"`).send(auditEventsToDicomXml(rows, source));
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/audit/events/:sequence',
    operationId: 'getAuditEvent',
    summary: 'One audit event with its hashes; not found outside the projects the caller audits',
    tags: ['audit'],
    action: 'audit.search',
    resource: 'audit',
    params: eventParams,
    responses: { 200: { description: 'The event' }, 404: { description: 'DLN_NOT_FOUND' } },
    handler: async ({ params }, request) => {
      const event = await auditEventBySequence(database.db, params.sequence, reachOf(request, runtime, 'audit.search'));
      if (!event) throw new DelineateError('DLN_NOT_FOUND', 'No such audit event');
      return event;
    },
  });
}
