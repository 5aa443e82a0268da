export { recordVideo, recordQuarantinedVideo, quarantinedVideo, videoForItem, videoFrameTable, type IngestedVideo } from './videos';
export { VideoTrackStore } from './tracks';
export { videoDb, type VideoDb, type VideoTables } from './tables';
