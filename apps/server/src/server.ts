import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { AnnotationRepository, type AuditLog, type BlobKey, type BlobStore, type Clock, type Database } from '@delineate/store';
import { platformVersion } from '@delineate/schema';
import type { ServerConfig } from './config';
import type { ServerContext } from './context';
import { registerAccess } from './access';
import { registerAgreementRoutes } from './access/agreement-routes';
import { registerOrganisationRoutes } from './access/organisation-routes';
import { registerTestClockRoute, type TestClock } from './access/test-clock';
import { installBodyRules } from './http/body';
import { installErrorHandling } from './http/errors';
import { installSecurityHeaders } from './http/headers';
import { RouteRegistry } from './http/route';
import { registerImagingRoutes } from './routes/imaging';
import { registerProjectRoutes } from './routes/projects';
import { registerQuarantineRoutes } from './routes/quarantine';
import { registerQuarantineReviewRoutes } from './routes/quarantine-review';
import { registerRevisionRoutes } from './routes/revisions';
import { registerMaskImportRoutes } from './routes/mask-import';
import { registerRevisionExportRoutes } from './routes/revision-exports';
import { registerSubjectIdentityRoutes } from './routes/subject-identities';
import { registerTaskRoutes } from './routes/tasks';
import { registerItemNameRoutes } from './routes/item-names';
import { registerSystemRoutes } from './routes/system';
import { registerWorkflowRoutes } from './routes/workflow';
import { registerReleaseRoutes } from './routes/releases';
import { registerIngestRoutes, type IngestRunner } from './routes/ingest';
import { registerProjectModalityRoutes } from './routes/project-modalities';
import { registerDicomwebRoutes } from './routes/dicomweb';
import type { RetrievalRunner } from './dicomweb/retrievals';
import { registerSlideRoutes } from './routes/slides';
import { registerVideoRoutes } from './routes/video/video-routes';
import { registerUploadRoutes } from './routes/uploads';
import { registerPathologyRoutes } from './routes/pathology';
import { registerLabelSchemaTemplateRoutes } from './routes/label-schema-templates';
import { registerDerivedStructureRoutes } from './routes/derived-structures';
import { registerTargetAgreementRoutes } from './routes/target-agreement';
import { registerCardiacRoutes } from './routes/cardiac';
import { registerModelRoutes, type PromptPreviewRunner } from './routes/models';
import { registerFundusRoutes } from './routes/fundus';
import { registerOctRoutes } from './routes/oct';

export const serverVersion = platformVersion;

export interface ServerDeps {
  config: ServerConfig;
  database: Database;
  blobs: BlobStore;
  clock: Clock;
  /** The ingest gate for `POST /api/projects/:projectId/ingest`; without it the route answers 503. */
  ingest?: IngestRunner;
  /** The key `delineate start` writes to the data folder for the local CLI; it manages API tokens only. */
  operatorKey?: string;
  /** The blob key, which seals browser uploads until the gate has run; without it the upload routes answer 503. */
  uploadKey?: BlobKey;
  /** Live decoder masks of promptable models while a prompt is dragged; without it the preview route answers 503. */
  promptPreview?: PromptPreviewRunner;
  /** Test servers only (DELINEATE_TEST_CLOCK): the movable clock `clock` reads, with its route. */
  testClock?: TestClock;
}

export interface DelineateServer {
  app: FastifyInstance;
  registry: RouteRegistry;
  context: ServerContext;
  /** The audit log the access layer writes; the job worker of the same process appends to it too. */
  audit: AuditLog;
  /** DICOMweb retrievals running in this process (their progress is in the database). */
  retrievals: RetrievalRunner;
}

/**
 * The web app's build, apps/web/dist of the repository this server runs from: found by walking up
 * from this module, which is apps/server/src when run from the sources and a folder of the CLI's
 * bundle (apps/cli/dist/<build>/) otherwise.
 */
function defaultWebRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'apps', 'web', 'package.json'))) return join(dir, 'apps', 'web', 'dist');
    const up = dirname(dir);
    if (up === dir) return resolve(fileURLToPath(new URL('../../web/dist', import.meta.url)));
    dir = up;
  }
}

/** Assembles the HTTP API from explicit dependencies; the caller listens and closes. */
export async function createServer(deps: ServerDeps): Promise<DelineateServer> {
  const context: ServerContext = {
    ...deps,
    version: serverVersion,
    annotations: new AnnotationRepository(deps.database.db, { blobs: deps.blobs, clock: deps.clock }),
  };
  const timeouts = deps.config.timeouts;
  const app = Fastify({
    logger:
      deps.config.logLevel === 'silent'
        ? false
        : {
            level: deps.config.logLevel,
            // Method, route and status only: URLs carry ids, never query strings or bodies.
            serializers: {
              req: (req) => ({ method: req.method, url: req.url.split('?')[0] }),
              res: (res) => ({ statusCode: res.statusCode }),
            },
          },
    // Routes get their own limits (http/body.ts); this one covers the rest (e.g. unknown URLs).
    bodyLimit: deps.config.maxJsonBytes,
    http: {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      // Node checks the two timeouts above this often; a minute's slack would let a slow client linger.
      connectionsCheckingInterval: Math.min(timeouts.headersMs, 5_000),
      maxHeaderSize: 16 * 1024,
    },
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.socketIdleMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    return503OnClosing: true,
  });
  app.server.headersTimeout = timeouts.headersMs;
  // No client of the API sends more than a few dozen headers; Node drops those past the count.
  app.server.maxHeadersCount = 100;
  const registry = new RouteRegistry();
  installSecurityHeaders(app);
  installErrorHandling(app);
  installBodyRules(app, {
    jsonBytes: deps.config.maxJsonBytes,
    maskBytes: deps.config.maxMaskBytes,
    jsonBodyTimeoutMs: timeouts.jsonBodyMs,
    maskBodyTimeoutMs: timeouts.maskBodyMs,
  });
  // Access layer (issue 3): authentication, the policy check and the audit log for every route registered below.
  const access = await registerAccess(app, { database: deps.database, now: deps.clock, dataDir: deps.config.dataDir, registry, ...(deps.operatorKey ? { operatorKey: deps.operatorKey } : {}) });
  registerOrganisationRoutes(app, registry, access, deps.database);
  registerAgreementRoutes(app, registry, access, deps.database, deps.blobs);
  if (deps.testClock) registerTestClockRoute(app, registry, deps.testClock);
  registerSystemRoutes(app, registry, context);
  registerRevisionRoutes(app, registry, context);
  registerMaskImportRoutes(app, registry, context);
  registerRevisionExportRoutes(app, registry, context);
  registerQuarantineRoutes(app, registry, context);
  registerQuarantineReviewRoutes(app, registry, context);
  registerSubjectIdentityRoutes(app, registry, context);
  registerImagingRoutes(app, registry, context);
  registerTaskRoutes(app, registry, context);
  registerWorkflowRoutes(app, registry, context);
  registerProjectRoutes(app, registry, context);
  registerReleaseRoutes(app, registry, context);
  registerIngestRoutes(app, registry, deps.ingest);
  registerProjectModalityRoutes(app, registry, context);
  const retrievals = registerDicomwebRoutes(app, registry, context, deps.ingest, deps.uploadKey);
  registerSlideRoutes(app, registry, context);
  registerItemNameRoutes(app, registry, context);
  registerUploadRoutes(app, registry, context, deps.uploadKey);
  registerPathologyRoutes(app, registry, context);
  registerLabelSchemaTemplateRoutes(app, registry, context);
  registerDerivedStructureRoutes(app, registry, context);
  registerTargetAgreementRoutes(app, registry, context);
  registerCardiacRoutes(app, registry, context);
  registerModelRoutes(app, registry, context, deps.promptPreview);
  registerFundusRoutes(app, registry, context);
  registerOctRoutes(app, registry, context);
  registerVideoRoutes(app, registry, context);
  await serveWebBuild(app, deps.config.webRoot ?? defaultWebRoot());
  return { app, registry, context, audit: access.audit, retrievals };
}

/** What every page address answers when the web app has not been built: how to build it. */
export const WEB_APP_NOT_BUILT =
  'The Delineate web app has not been built, so there is no page to show yet. Build it with `npm run build:web` in the Delineate folder (`npm install` and `npm start` do this), then reload this page. The API answers under /api.';

/** Serves the built web app, with client-side routes falling back to index.html. */
async function serveWebBuild(app: FastifyInstance, root: string): Promise<void> {
  if (!existsSync(join(root, 'index.html'))) {
    // Without a build, say how to get one instead of a bare 404 at every page address.
    app.get('/*', { config: { action: 'web.app', resource: 'system', authenticated: false } }, (request, reply) => {
      if (request.url.startsWith('/api/')) return reply.callNotFound();
      return reply.code(503).header('retry-after', '60').type('text/plain; charset=utf-8').send(WEB_APP_NOT_BUILT);
    });
    return;
  }
  await app.register(fastifyStatic, { root, prefix: '/', wildcard: false, index: 'index.html' });
  app.get('/*', { config: { action: 'web.app', resource: 'system', authenticated: false } }, (request, reply) => {
    if (request.url.startsWith('/api/')) {
      return reply.callNotFound();
    }
    return reply.sendFile('index.html');
  });
}
