export { maskArea, maskOfRuns, runsOfMask, type RunsResult } from './frame-runs';
export { interpolateMask, signedDistance } from './shape-interpolation';
export {
  lesionDetectionF1,
  presenceIntervalIou,
  presentFrames,
  sampledFrameDice,
  temporalConsistency,
  tubeIou,
  type ConsecutiveFrame,
  type DetectionF1,
  type TemporalConsistency,
  type TrackMasks,
} from './track-agreement';
