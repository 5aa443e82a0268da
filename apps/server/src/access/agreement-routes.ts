import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DelineateError, RecordAgreementRequest, RenewAgreementRequest } from '@delineate/schema';
import { AgreementRepository, OrganisationRepository, type BlobStore, type Database } from '@delineate/store';
import { binaryBody, defineRoute, type RouteRegistry } from '../http/route';
import { requestAccess, type AccessRuntime } from './plugin';
import { signedInUserId } from './organisation-routes';

const agreementParams = z.object({ agreementId: z.uuid() });
const projectParams = z.object({ projectId: z.uuid() });
/** Agreements ending within this many days are listed as warnings. */
export const AGREEMENT_EXPIRY_WARNING_DAYS = 60;
const expiringQuery = z.object({ days: z.coerce.number().int().min(1).max(365).default(AGREEMENT_EXPIRY_WARNING_DAYS) });
const recordQuery = z.object({ format: z.enum(['json', 'download']).default('json') });

/** The signed document: a PDF of at most 10 MiB. */
export const AGREEMENT_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024;
const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // "%PDF-"

/** The projects whose agreements the caller may see under `action`; null for every project (platform administrators). */
function reachOf(request: FastifyRequest, runtime: AccessRuntime, action: string): string[] | null {
  const principal = requestAccess(request).principal;
  if (principal.kind !== 'user') throw new DelineateError('DLN_AUTH_REQUIRED', 'Sign in to do this');
  const entry = runtime.policy.actions[action]!;
  if (principal.platformAdmin && entry.platformAdmin) return null;
  return [...new Set(principal.roles.filter((r) => !r.viaBreakGlass && entry.roles.includes(r.role)).map((r) => r.projectId))];
}

/** Agreements per organisation and project, their signed documents, expiry warnings and the GDPR Art. 30 record (issue 24). */
export function registerAgreementRoutes(app: FastifyInstance, registry: RouteRegistry, runtime: AccessRuntime, database: Database, blobs: BlobStore): void {
  const agreements = new AgreementRepository(database.db);
  const organisations = new OrganisationRepository(database.db);

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/agreements',
    operationId: 'listAgreements',
    summary: 'The agreements (BAA, DPA, DUA) of the projects the caller oversees, each with its status now',
    tags: ['governance'],
    action: 'agreement.list',
    resource: 'agreement',
    responses: { 200: { description: 'Agreements' } },
    handler: async (_input, request) => {
      const reach = reachOf(request, runtime, 'agreement.list');
      return { agreements: await agreements.list({ now: runtime.now(), ...(reach ? { projectIds: reach } : {}) }) };
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/agreements/expiring',
    operationId: 'listExpiringAgreements',
    summary: 'Agreements in force that end within the given days (default 60) and are not yet renewed, for platform and project administrators',
    tags: ['governance'],
    action: 'agreement.expiring.list',
    resource: 'agreement',
    query: expiringQuery,
    responses: { 200: { description: 'Agreements about to expire' } },
    handler: async ({ query }, request) => {
      const reach = reachOf(request, runtime, 'agreement.expiring.list');
      return { days: query.days, agreements: await agreements.expiring(runtime.now(), query.days, reach ?? undefined) };
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/agreements',
    operationId: 'recordAgreement',
    summary: 'A platform administrator records an agreement between an organisation and a project: kind, parties, dates, identifiable-data scope and processing regions',
    tags: ['governance'],
    action: 'agreement.record',
    resource: 'agreement',
    body: RecordAgreementRequest,
    responses: { 201: { description: 'Recorded' } },
    handler: async ({ body }, request, reply) => {
      const recorded = await agreements.record({
        ...body,
        signedAt: new Date(body.signedAt),
        expiresAt: body.expiresAt === null ? null : new Date(body.expiresAt),
        recordedBy: signedInUserId(request),
        now: runtime.now(),
      });
      requestAccess(request).auditObjectId = recorded.id;
      return reply.status(201).send(recorded);
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/agreements/:agreementId/renewal',
    operationId: 'renewAgreement',
    summary: 'Records the renewal of an agreement: a new record with the same parties, scope and regions and new dates (the old one is kept)',
    tags: ['governance'],
    action: 'agreement.renew',
    resource: 'agreement',
    params: agreementParams,
    body: RenewAgreementRequest,
    responses: { 201: { description: 'Recorded' } },
    handler: async ({ params, body }, request, reply) => {
      const renewed = await agreements.renew(params.agreementId, {
        signedAt: new Date(body.signedAt),
        expiresAt: body.expiresAt === null ? null : new Date(body.expiresAt),
        recordedBy: signedInUserId(request),
        now: runtime.now(),
      });
      requestAccess(request).auditObjectId = renewed.id;
      return reply.status(201).send(renewed);
    },
  });

  defineRoute(app, registry, {
    method: 'PUT',
    url: '/api/agreements/:agreementId/document',
    operationId: 'uploadAgreementDocument',
    summary: 'Stores the signed document (a PDF of at most 10 MiB) as an encrypted blob; its SHA-256 is recorded with the agreement',
    tags: ['governance'],
    action: 'agreement.document.upload',
    resource: 'agreement',
    params: agreementParams,
    body: binaryBody,
    responses: { 200: { description: 'Stored' }, 413: { description: 'DLN_AGREEMENT_DOCUMENT_TOO_LARGE' }, 415: { description: 'DLN_AGREEMENT_DOCUMENT_TYPE' } },
    handler: async ({ params, body }) => {
      if (body.byteLength > AGREEMENT_DOCUMENT_MAX_BYTES) {
        throw new DelineateError('DLN_AGREEMENT_DOCUMENT_TOO_LARGE', 'The signed document is larger than 10 MiB', { limitBytes: AGREEMENT_DOCUMENT_MAX_BYTES });
      }
      if (!PDF_MAGIC.every((b, i) => body[i] === b)) throw new DelineateError('DLN_AGREEMENT_DOCUMENT_TYPE', 'The signed document must be a PDF');
      const now = runtime.now();
      if (!(await agreements.get(params.agreementId, now))) throw new DelineateError('DLN_NOT_FOUND', 'No such agreement');
      const stored = await blobs.put(body);
      await agreements.attachDocument(params.agreementId, { sha256: stored.hash, size: stored.size, now });
      return (await agreements.get(params.agreementId, now))!;
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/agreements/:agreementId/document',
    operationId: 'downloadAgreementDocument',
    summary: 'The signed document of an agreement, as stored',
    tags: ['governance'],
    action: 'agreement.document.read',
    resource: 'agreement',
    params: agreementParams,
    responses: { 200: { description: 'The PDF', binary: 'application/pdf' }, 404: { description: 'DLN_AGREEMENT_DOCUMENT_MISSING' } },
    handler: async ({ params }, _request, reply) => {
      const agreement = (await agreements.get(params.agreementId, runtime.now()))!;
      if (!agreement.documentSha256) throw new DelineateError('DLN_AGREEMENT_DOCUMENT_MISSING', 'No signed document was stored for this agreement');
      const bytes = await blobs.get(agreement.documentSha256);
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="agreement-${agreement.id}.pdf"`).send(Buffer.from(bytes));
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/processing-record',
    operationId: 'getProcessingRecord',
    summary: 'The record of processing activities (GDPR Art. 30) of the project: controller, purpose, legal basis, region, and each processor with its agreements',
    tags: ['governance'],
    action: 'processing_record.read',
    resource: 'project',
    params: projectParams,
    query: recordQuery,
    responses: { 200: { description: 'The record (JSON; `format=download` as a file)' } },
    handler: async ({ params, query }, _request, reply) => {
      const now = runtime.now();
      const project = await database.db.selectFrom('projects').select(['id', 'name', 'purpose', 'legal_basis', 'region']).where('id', '=', params.projectId).executeTakeFirstOrThrow();
      const governance = (await organisations.projectGovernance(params.projectId))!;
      const controller = (await organisations.list()).find((o) => o.id === governance.ownerOrganisationId);
      const record = {
        projectId: project.id,
        projectName: project.name,
        controller: controller ? { organisationId: controller.id, name: controller.name, kind: controller.kind } : null,
        purpose: project.purpose,
        legalBasis: project.legal_basis,
        region: project.region,
        processors: await agreements.processors(params.projectId, now),
        generatedAt: now.toISOString(),
      };
      if (query.format === 'download') reply.header('content-disposition', `attachment; filename="processing-record-${project.id}.json"`);
      return record;
    },
  });
}
