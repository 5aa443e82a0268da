export { recordVideo, recordQuarantinedVideo, quarantinedVideo, videoForItem, videoFrameTable, type HeldVideo, type IngestedVideo } from './videos';
export { VideoTrackStore } from './tracks';
export { exportVideoAnnotations, trackMasksOf, videoAnnotationsOf, type VideoCocoExport } from './exports';
export { sampledFrameIndices, videoAgreement, videoAgreementOf, type VideoAgreement } from './agreement';
export { videoDb, type VideoDb, type VideoTables } from './tables';
