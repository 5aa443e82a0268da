export { ingestDicom, type IngestDeps, type IngestFileReport, type IngestFileStatus, type IngestOptions, type IngestReport, type IngestedItem } from './ingest';
export { checkGridLimits, checkModality, checkStoredPixels, defaultIngestLimits, type IngestLimits } from './ingest-checks';
export { imageGeometry, seriesVolume, type ImageGeometry, type SeriesVolume } from './image-geometry';
export { volumeGrid, type SliceGeometry, type VolumeGrid } from './geometry';
export { createWorker, type JobAuditLog, type JobAuditSubject, type JobHandler, type Worker, type WorkerContext, type WorkerOptions } from './worker';
export { agreementJob, workflowJobHandlers, AGREEMENT_JOB_KIND } from './jobs/agreement';
export { createProjectSecret, projectDeidSettings, type ProjectDeidSettings } from './project-deid';
export { REDACT_JOB, RedactPayload, redactJobHandler, redactQuarantined } from './redact';
export { releaseExportJob, releaseJobHandlers, RELEASE_EXPORT_JOB_KIND } from './jobs/release-export';
