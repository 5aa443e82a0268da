export { type Box, type Grid, type GridResult, createGrid, gridOf, sameGrid, sameShape, voxelCount } from './mask/grid';
export {
  type BinaryMask,
  type LabelArray,
  type LabelMap,
  binaryMask,
  countForeground,
  foreground,
  labelMap,
  labelsPresent,
  selectLabel,
  unionBoundingBox,
} from './mask/mask';
export { type OverlapCounts, type OverlapMetrics, overlapCounts, overlapMetrics } from './metrics/overlap';
export { distanceToForeground, squaredDistanceField } from './metrics/edt';
export {
  type DirectedDistances,
  type SurfaceConvention,
  type SurfaceDistances,
  directedSurfaceDistances,
  surfaceConventions,
  surfaceDistances,
} from './metrics/surface';
export {
  type SurfaceMetricOptions,
  type SurfaceMetrics,
  directedMean,
  directedPercentile,
  surfaceMetrics,
} from './metrics/surface-metrics';
