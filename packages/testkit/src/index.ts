export { repoRoot, requireTestData, testDataPath } from './testdata';
export { dciodvfyAvailable, runDciodvfy, type DciodvfyReport } from './dicom/dciodvfy';
export { phantomLabelMap, tinyCtPhantom, tinyPhantomOptions, writeTinyCtPhantom } from './phantom';
export {
  countPair,
  ellipsoidMask,
  shiftMask,
  shiftedEllipsoidPair,
  unionMasks,
  type EllipsoidSpec,
  type MaskPairCounts,
  type ShiftedPair,
  type ShiftedPairOptions,
} from './masks';
export { synthesizeSlide, type PlantedSlidePhi, type SyntheticSlide, type SyntheticSlideOptions } from './slides/synthetic-slide';
