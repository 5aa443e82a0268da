export { ingestDicom, type IngestDeps, type IngestOptions, type IngestReport, type IngestedItem } from './ingest';
export { volumeGrid, type SliceGeometry, type VolumeGrid } from './geometry';
