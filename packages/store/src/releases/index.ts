export { ReleaseBuilder } from './build';
export { releaseConsensus, type ReleaseLabel } from './consensus';
export { releasedReading, selectReleaseItems, type ReleaseCandidate, type Selection } from './selection';
export { verifyRelease } from './verify';
export { itemGridOf, niftiExportFormat, releaseExportFormats, type ExportDatasetInput, type ExportItemInput, type ReleaseExportFormat, type SoftLabelVolumes } from './export/formats';
export { caseId, subjectFolds } from './export/layouts/training-case';
export {
  enqueueReleaseExport,
  getReleaseExport,
  listReleaseExports,
  RELEASE_EXPORT_JOB_KIND,
  releaseExportArchive,
  runReleaseExport,
} from './export/exports';
export { tarArchive, type ArchiveFile } from './export/tar';
export { documentInputOf, freezeRelease, regenerateReleaseDocuments, releaseDocumentFile } from './freeze';
export { parseVoxel, traceVoxel } from './trace';
export { itemProvenance, readingProvenance, segBinaryFormat, segFractionalFormat, segLabelmapFormat } from './export/seg-formats';
