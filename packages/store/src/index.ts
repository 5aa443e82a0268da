export {};

// Blob store (content-addressed, encrypted at rest): see src/blob/.
export type { BlobPutOptions, BlobPutResult, BlobStat, BlobStore } from './blob/types';
export { blobAddress, isBlobAddress } from './blob/address';
export { envelopeOverhead } from './blob/envelope';
export type { BlobPart } from './blob/parts';
export { BlobKey, blobKeyPath, loadBlobKey, parseBlobKeyText, type BlobKeySource, type LoadBlobKeyOptions } from './blob/key';
export { LocalBlobStore, type LocalBlobStoreOptions } from './blob/local';
export { S3BlobStore, type S3BlobStoreOptions, type S3Credentials } from './blob/s3';
export { blobStoreConfigFromEnv, createBlobStore, openBlobStore, type BlobEnvironment, type BlobStoreConfig } from './blob/config';
export { runBlobStoreConformance, type BlobStoreHarness } from './blob/conformance';

// SQL: database, migrations, repositories (see src/sql/, src/repositories/).
export { fromThreadError, toThreadError, type ThreadError } from './sql/thread-errors';
export { databaseConfigFromEnv, openDatabase, openPGlite, pgliteThreadFromEnv, openPostgres, pgliteDatabase, type Database, type DatabaseConfig, type DatabaseKind } from './sql/database';
export { migrate, type MigrateResult } from './sql/migrate';
export { migrations } from './sql/migrations';
export { runStatements, sqlList, type Migration } from './sql/migration';
export type { DB } from './sql/tables';
export { translateDbError } from './repositories/db-errors';
export {
  AnnotationRepository,
  type AnnotationRepositoryOptions,
  type Clock,
  type CreateAnnotationInput,
  type RevertInput,
  type SaveRevisionInput,
  type SaveRevisionResult,
  type SaveTiledRevisionInput,
  type AnnotationSaveContext,
} from './repositories/annotations';
export { TiledMasks, decodeTileIndex, encodeTileIndex, type PreparedTiledSave, type TileIndex, type TileIndexEntry } from './masks/tiled-masks';
export { RevisionTileReader, type RevisionTileSource } from './masks/revision-tiles';
export { writeRevisionOmeZarr } from './masks/ome-zarr-export';
export { TileIndexCache } from './masks/index-cache';
export { resolveTileIndexChain, type ResolvedTileIndex, type StoredIndexRow } from './masks/index-delta';
export { testing } from './testing';
export type { GateBed } from './test/gate-bed';
export type { TestDatabaseKinds } from './test/databases';

// Identity, access control and the audit log (src/access/, src/audit/).
export { AccessRepository, type AccountRow, type BreakGlassRow, type MembershipRow, type NewSession, type QualificationRow, type SessionRow, type TotpCredential } from './access/repository';
export { findSessionHolder, type SessionHolder } from './access/session-holder';
export type { AccessTables } from './access/tables';
export { ownedResourceTypes, resolveObjectOwner, type ObjectGovernance, type ObjectOwner } from './access/resolve';
export { OrganisationRepository, type Organisation, type OrganisationStanding, type ProjectAdmission, type ProjectGovernance, type StandingAgreement } from './access/organisations';
export { AgreementRepository, agreementStatus, type AgreementStatus, type DataAgreement, type ProcessingRecordProcessor, type RecordAgreementInput } from './access/agreements';
export { LoginFailureRepository } from './access/login-failures';
export { ApiTokenRepository, type ApiTokenRow } from './access/api-tokens';
export { AccessReviewRepository, type AccessReview, type AccessReviewMember, type AttestationDecision } from './access/review';
export {
  assertResidency,
  assertWorkerMayClaim,
  residencyProblems,
  TransferRepository,
  transferBases,
  type ResidencyProblem,
  type StorageRegions,
  type TransferBasis,
  type TransferBasisRecord,
} from './access/residency';
export { AuditLog, defaultCheckpointPolicy, type AuditLogOptions, type AuditVerifyOptions } from './audit/log';
export { auditCheckpointSettingsFromEnv, checkpointTickMs, type AuditCheckpointSettings } from './audit/config';
export { auditAnchorFromUrl, FileAuditAnchor, S3AuditAnchor, type AuditAnchor, type S3AuditAnchorOptions } from './audit/anchor';
export { auditRowHash, sealAuditRow, type AuditEntry, type AuditRecord } from './audit/chain';
export { canonicalJson } from './audit/canonical-json';
export {
  appendCheckpoint,
  auditCheckpointPath,
  auditKeyFingerprint,
  parseAuditPublicKey,
  parseCheckpointLines,
  auditKeyPath,
  checkpointSignatureValid,
  loadAuditPublicKey,
  loadOrCreateAuditKey,
  readCheckpoints,
  signCheckpoint,
  type AuditCheckpoint,
  type AuditSigningKey,
} from './audit/checkpoints';
export { auditProblemCodes, verifyAuditRows, type AuditCheckpointPolicy, type AuditVerifyInput, type AuditVerifyProblem, type AuditVerifyResult } from './audit/verify';
export type { AuditTables } from './audit/tables';
export { auditEventBySequence, auditEventsForExport, searchAuditEvents, type AuditSearchEvent, type AuditSearchFilter, type AuditSearchPage } from './audit/search';
export { auditEventToDicomXml, auditEventToFhir, auditEventsToDicomXml, auditEventsToFhirBundle, classifyAuditAction, type AuditExportSource } from './audit/export';

// Repositories and the job queue (src/repositories/, src/jobs/).
export { assertLabelsDefinedIn, assertLabelValuesDefined, LabelSchemaRepository } from './repositories/label-schemas';
export { ReviewProtocolRepository } from './repositories/review-protocols';
export { ProjectRepository, type CreateProjectInput } from './repositories/projects';
export { ItemRepository, type AddInstanceInput, type CreateItemInput, type CreateSeriesInput, type CreateSubjectInput, type RecordedInstance } from './repositories/items';
export { slideInfoForItem } from './repositories/slides';
export { JobQueue, type ClaimInput, type EnqueueInput, type JobQueueOptions } from './jobs/job-queue';
export type { JobProgress } from './sql/tables';
export { TaskRepository, type CreateTaskInput } from './repositories/tasks';
export { ReviewRepository, type RecordReviewInput } from './repositories/reviews';
export { DeidRecordRepository, type RecordDeidInput } from './repositories/deid-records';
export { withTransaction } from './sql/transaction';
export { SeedingSteps } from './seeding/steps';
export { CORRECTION_METRICS_JOB_KIND, completeCorrectionMetrics } from './workflow/correction-metrics';
export { ReleaseRepository, releaseManifestHash, type CreateReleaseInput } from './repositories/releases';
export { mapOutputs, ModelRepository, type MappedOutput, type RegisterManifestInput, type RegisterModelInput } from './repositories/models';

// The clinical workflow (issue 7, src/workflow/).
export {
  AGREEMENT_JOB_KIND,
  annotationWritableBy,
  annotationWriteRefusal,
  assertAnnotationWritable,
  blindedItemsOf,
  readsBlindedIn,
  tasksVisibleTo,
  WorkflowRepository,
  correctionSizesOf,
  maskReadableBy,
  readConfig as readWorkflowConfig,
  type QualificationRequirement,
  type RecordWorkflowReviewInput,
  type ReviewContext,
  type SampleRecord,
  type SubmitAnnotationInput,
  type WorkflowRepositoryOptions,
  type TaskGenerationScope,
  type WorkflowRequirements,
  type WorkflowReviewResult,
} from './workflow/repository';
export { drawAgreementSample, mulberry32, type SampleDraw } from './workflow/sampling';
export { itemGrid } from './workflow/grid';
export { finiteOrNull, labelPairMetrics, readLabelVolume, valuesPresent, WORKFLOW_SURFACE_CONVENTION, type LabelPairMetrics } from './workflow/metrics';
export {
  agreementReport,
  computeItemAgreement,
  listAgreements,
  type AgreementCategory,
  type AgreementCategoryReport,
  type AgreementPair,
  type ItemLabelAgreement,
} from './workflow/agreement';
export { qualityReport, summaryOf, type CorrectionRecord, type QualityReport, type QualityScope, type SummaryJson } from './workflow/quality';
export { keepSubjectIdentities, readSubjectIdentities, RecordingPseudonymMap, type SubjectIdentity } from './deid/subject-identities';
export {
  QuarantineReviewRepository,
  type GateCheck,
  type GateCheckOutcome,
  type QuarantineDecision,
  type QuarantineDecisionKind,
  type QuarantineDecisionsTable,
  type QuarantineGateChecksTable,
} from './deid/quarantine-review';

// Release documents generated from records (issue 13, src/releases/documents/).
export {
  DELINEATE_TOOL,
  generateReleaseDocuments,
  releaseDocumentHashes,
  type GeneratedReleaseDocument,
  type ReleaseDocumentOptions,
} from './releases/documents/generate';
export { renderDocument, type ReleaseDocumentJson, type RenderedDocument } from './releases/documents/render';
export type { AnnotationProtocolJson } from './releases/documents/protocol';
export type { InterObserverVariabilityJson } from './releases/documents/variability';
export type { DatasetCompositionJson } from './releases/documents/composition';
export type { QaResultsJson } from './releases/documents/quality';
// Mask import (DICOM SEG, NIfTI label maps) as revisions with source `import` (src/masks/import-mask.ts).
export {
  importedMask,
  importMaskRevision,
  itemVolumeGeometry,
  sniffMaskFormat,
  type ImportedMask,
  type ImportedSegment,
  type ImportMaskInput,
  type ImportMaskResult,
  type ItemVolumeGeometry,
  type MaskImportFormat,
} from './masks/import-mask';
// Releases, their manifests, verification and exports (issue 13, src/releases/).
export {
  enqueueReleaseExport,
  getReleaseExport,
  itemGridOf,
  listReleaseExports,
  niftiExportFormat,
  RELEASE_EXPORT_JOB_KIND,
  ReleaseBuilder,
  releaseExportArchive,
  releaseExportFormats,
  runReleaseExport,
  tarArchive,
  verifyRelease,
  type ArchiveFile,
  type ExportItemInput,
  type ReleaseExportFormat,
  type SoftLabelVolumes,
  documentInputOf,
  freezeRelease,
  itemProvenance,
  parseVoxel,
  readingProvenance,
  regenerateReleaseDocuments,
  releaseDocumentFile,
  traceVoxel,
} from './releases';
// Training layouts of release exports (issue 25, src/releases/export/layouts/).
export { caseId as trainingCaseId, subjectFolds } from './releases';
// DICOMweb: a project's PACS connection, searches, retrievals and sends (issue 14, src/dicomweb/).
export {
  DicomwebRepository,
  type DicomwebConnection,
  type DicomwebConnectionInput,
  type DicomwebRetrieval,
  type DicomwebSend,
  type DicomwebSendInput,
  type RetrievalProgress,
} from './dicomweb/repository';
export { writeRevisionSegmentation, type RevisionSegmentation } from './dicomweb/revision-seg';
export { releaseSegmentations } from './dicomweb/release-seg';
export { instanceHash, openRetrievalTargets, RetrievalStaging, sealRetrievalTargets, type RetrievalTarget } from './dicomweb/retrieval-staging';
export { registerSlidePyramid, storeSlideTileIndex, BlobPyramidSource } from './slides/slide-pyramids';
export type { RegisteredSlide, SlidePyramidInput } from './slides/slide-pyramids';
export { recordSlideDicomSource, slideDicomSource } from './slides/dicom-source';
// Browser uploads staged (sealed) until the gate has run (issue 14, src/uploads/).
export { UploadStaging, type UploadBatch, type UploadFile, type UploadStagingOptions } from './uploads/upload-staging';
export { checkUploadContent, checkUploadName, isRasterPhotograph, isVideoContainer, isZipArchive, type RefusedKind } from './uploads/upload-kinds';

// The pathology workflow (issue 17, src/pathology/).
export {
  applyCellEdits,
  assertRegionEdit,
  BoundaryReviewRepository,
  boundaryBandFields,
  CellGridIndex,
  CellStore,
  cellAt,
  cellsOf,
  cocoPerField,
  cocoRle,
  cocoRuns,
  columnsOf,
  compressCocoCounts,
  decodeCells,
  decompressCocoCounts,
  encodeCells,
  fieldSizePx,
  magnificationOf,
  regionAgreement,
  regionFields,
  regionGeoJson,
  SlideRegionRepository,
  targetDownsample,
  tissueDiceAtMagnification,
  umPerPixelAt,
  zoomBandOf,
  zoomRefusal,
  type BandField,
  type CellColumns,
  type CellSetView,
  type CocoFieldExport,
  type CocoRle,
  type CreatedRegion,
  type RegionAgreement,
} from './pathology';
export { rtStructRoiMatches, type RoiMatch } from './masks/import-rtstruct';
export { targetAgreementOf, targetAgreementReport, type ItemTargetAgreement, type TargetReaderPair } from './masks/target-agreement-report';
export { deriveStructureRevision, detachDerivedStructure, listDerivedStructures, refreshAfterSave, refreshDerivedStructures, type DeriveStructureInput, type DerivedState } from './masks/derived-structures';
// AI pre-annotation (issue 18): drafts as `ai` revisions with provenance, settings, correction effort.
export { DraftRepository, drawnLabels, mergeDraft, type DraftContext, type DraftRegion, type DraftTarget, type SaveDraftInput } from './models/drafts';
export {
  computeCorrectionEffort,
  correctionEffortOf,
  CORRECTION_EFFORT_JOB_KIND,
  DEFAULT_SURFACE_TOLERANCE_MM,
  enqueueEffortIfDrafted,
  labelEffort,
  recordEditingActivity,
} from './models/effort';
export { effortByModel, type LabelEffortSummary, type MeanOf, type ModelEffortSummary } from './models/effort-summary';
export { enqueueDraftsForNewTasks, PREANNOTATE_JOB_KIND, readPreannotationSettings, updatePreannotationSettings } from './models/settings';
export { framesHounsfield, readItemHounsfield, sliceHounsfield, type ItemHounsfield } from './imaging/hounsfield';
export { createBackup, type BackupSource } from './backup/backup';
export { restoreBackup, type RestoreTarget, type RestoreReport } from './backup/restore';
export { parseBackupManifest } from './backup/manifest';
// Fundus photographs (issue 20, src/fundus/): the eye and pixel size per photo, disc/cup revisions and their measures.
export { FundusPhotoRepository, type FundusPhoto } from './fundus/photos';
export { fundusAgreement, type FundusAgreementReport, type FundusReaderPair } from './fundus/agreement';
export { discCupLabelsOf, fundusMaskOf, fundusMeasuresView, FundusRevisionRepository, readFundusMask, type SaveFundusInput } from './fundus/revisions';

// OCT (issue 20, src/oct/).
export { geometryOf, OctRepository, type SaveBoundariesInput, type SavedBoundaries } from './oct/boundaries';
export { octDb, type OctTables } from './oct/tables';
export { octAgreementOfProject, type OctItemAgreement, type OctReaderPair } from './oct/agreement';
// Cardiac cine (issue 21): 4-D shape, label conventions, contours, ED/ES and measures.
export { cardiacDb, type CardiacDb, type CardiacTables } from './cardiac/tables';
export { cineOfItem, cineStackAt, labelConventionsOf, labelValuesOf, recordCineSeries, setLabelConventions, type CineItem } from './cardiac/cine';
export { cardiacReading, currentDesignation, designatePhases, saveCardiacContours, type CardiacReading, type SaveCardiacContoursInput } from './cardiac/readings';
export { cardiacAgreementAt, cardiacItemAgreement, clinicalIndexAgreement, clinicalIndices, type CardiacPairAgreement, type ClinicalIndex } from './cardiac/agreement';
export { projectTimeAgreement, timeAgreement, type CardiacAgreementJson, type VideoAgreementJson } from './releases/documents/time-agreement';
export {
  exportVideoAnnotations,
  recordQuarantinedVideo,
  recordVideo,
  quarantinedVideo,
  sampledFrameIndices,
  trackMasksOf,
  videoAgreement,
  videoDb,
  videoForItem,
  videoFrameTable,
  VideoTrackStore,
  type HeldVideo,
  type IngestedVideo,
  type VideoAgreement,
  type VideoCocoExport,
  type VideoDb,
  type VideoTables,
} from './video';
export { FoveaRepository, type FoveaPoint, type ItemFovea } from './fundus/fovea';
