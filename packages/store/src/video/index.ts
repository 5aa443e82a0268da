export { recordVideo, recordQuarantinedVideo, quarantinedVideo, videoForItem, videoFrameTable, type HeldVideo, type IngestedVideo } from './videos';
export { VideoTrackStore } from './tracks';
export { exportVideoAnnotations, trackMasksOf, type VideoCocoExport } from './exports';
export { sampledFrameIndices, videoAgreement, type VideoAgreement } from './agreement';
export { videoDb, type VideoDb, type VideoTables } from './tables';
