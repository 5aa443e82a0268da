export { configFromEnv, type ServerConfig } from './config';
export type { ServerContext } from './context';
export { buildOpenApiDocument } from './http/openapi';
export { RouteRegistry, defineRoute, type RouteSpec } from './http/route';
export { createServer, serverVersion, type DelineateServer, type ServerDeps } from './server';
export { openPlatform } from './platform';
export { PasswordHasher, passwordProblem, type Argon2Params } from './access/password';
export { createTestClock, testClockEnabled, type TestClock } from './access/test-clock';
export {
  accessSettingsFromEnv,
  authorize,
  defaultAccessSettings,
  openTestSession,
  policyTable,
  registerAccess,
  requestAccess,
  storageRegionsFromEnv,
  type AccessRuntime,
  type AccessSettings,
  type Principal,
} from './access';
export { decodeFileBatch, encodeFileBatch, type IngestRunner } from './routes/ingest';
export {
  ApiTokens,
  apiTokenScopeNames,
  newOperatorKey,
  parseApiTokenScopes,
  parseTokenLifetime,
  verifyAudit,
  type ApiTokenScope,
  type ApiTokenView,
  type AuditVerifyReport,
  type VerifyAuditOptions,
} from './access';
export { DicomwebClient, type DicomwebEndpoint, type RetrieveTarget, type StowOutcome } from './dicomweb/client';
export { DICOMWEB_RETRIEVE_JOB, RetrievalRunner, type RetrievalRunnerDeps } from './dicomweb/retrievals';
export type { ReadMeter } from './dicomweb/multipart';
