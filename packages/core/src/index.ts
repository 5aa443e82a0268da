export { RLE8, decodeRle8, encodeRle8, labelsInRle8, validateRle8, walkRle8Runs, type DecodeResult, type ValidateResult } from './encoding/rle';
export {
  TILE_SIZE,
  type CutResult,
  type Tile,
  type TileCheck,
  type TileGrid,
  type TilePosition,
  type TileSetResult,
  checkTiles,
  cutRle8,
  decodeTileSet,
  encodeTileSet,
  isEmptyTile,
  isOnGrid,
  joinTilesRle8,
  tileAtOrdinal,
  tileCount,
  tileExtent,
  tileGridOf,
  tileOrdinal,
  tilesAcross,
  tilesDown,
  tileVoxels,
} from './encoding/tiles';
export { alignTiles, forEachAlignedStretch, mapAlignedTiles, walkStretches, type AlignedTile, type OrdinalTile } from './encoding/tile-iterator';
export {
  countTiledLabelPatterns,
  tiledLabelVolume,
  tiledOverlapCounts,
  tiledStaplePatterns,
  tiledVoteHistogram,
  type TiledLabelPatterns,
} from './metrics/tiled';
export { type Box, type Grid, type GridResult, createGrid, gridOf, sameGrid, sameShape, voxelCount } from './mask/grid';
export {
  type BinaryMask,
  type LabelArray,
  type LabelMap,
  binaryMask,
  countForeground,
  foreground,
  labelMap,
  labelMapFromRle,
  type LabelPairStats,
  cropLabelPair,
  labelOverlapCounts,
  scanLabelPair,
  labelsPresent,
  selectLabel,
  unionBoundingBox,
} from './mask/mask';
export { type LabelRuns, LabelRunsBuilder, cropRunPair, labelRunsOf, labelsInRuns, scanRunPair } from './mask/runs';
export { type OverlapCounts, type OverlapMetrics, overlapCounts, overlapMetrics } from './metrics/overlap';
export { distanceToForeground, squaredDistanceField } from './metrics/edt';
export {
  type DirectedDistances,
  type SurfaceConvention,
  type SurfaceDistances,
  type Surface,
  directedBetween,
  directedSurfaceDistances,
  emptyDirectedDistances,
  labelSurfaceDistances,
  pairSurfaces,
  surfaceConventions,
  surfaceDistances,
} from './metrics/surface';
export { runPairSurfaces } from './metrics/surface-runs';
export {
  type SurfaceMetricOptions,
  type SurfaceMetrics,
  directedMean,
  directedPercentile,
  surfaceMetrics,
} from './metrics/surface-metrics';
export { type StapleOptions, type StapleResult, type StaplePatternsResult, type FieldOfView, staple, staplePatterns } from './consensus/staple';
export { type PatternCounts } from './consensus/patterns';
export { type MultiLabelStapleOptions, type MultiLabelStapleResult, multiLabelStaple } from './consensus/multi-staple';
export { type VoteResult, majorityVote, maximumLabel, votingDecision } from './consensus/vote';
export {
  type AgreementRegion,
  type LabelAgreement,
  fleissKappa,
  krippendorffAlphaNominal,
  labelAgreement,
  agreementOfVotes,
} from './agreement/kappa';
export {
  type VoteMap,
  generalizedEnergyDistance,
  iouDistance,
  meanProbability,
  qubiqScore,
  voteCounts,
} from './agreement/soft';
export { type Summary, summarize } from './agreement/summary';
export { hashSeed, seededRandom, type SeededRandom } from './random';
export {
  type ConsensusPoint,
  type DetectionAgreement,
  type MarkedPoint,
  type PointMatching,
  detectionAgreement,
  iccAbsoluteAgreement,
  majorityPoints,
  matchPoints,
} from './agreement/points';
export { type Margin, type MarginCheck, checkMargin, expandByMargin, isotropicMargin } from './rt/margin';
export {
  type DerivationRecipe,
  type RecipeCheck,
  checkRecipe,
  derivationKinds,
  deriveStructure,
  intersectionOf,
  recipeSources,
  subtractionOf,
  unionOf,
  writeDerived,
} from './rt/derive';
export { type TargetAgreement, addedPathLength, targetAgreement } from './rt/target-agreement';
export {
  type IntensityWindow,
  type Intensities,
  type RunComponents,
  type VolumeDims,
  componentMask,
  largestComponent,
  windowComponents,
} from './components/components';
export { type GrownRegion, type RegionGrowOptions, type Voxel, growRegion, regionMask } from './components/region-grow';
export { CT_WINDOWS, ctBody, ctBone, ctLung, thresholdInBox } from './components/classical';
export { type PathLengths, pathLengths } from './metrics/path-length';
export {
  interpolateMask,
  lesionDetectionF1,
  maskArea,
  maskOfRuns,
  presenceIntervalIou,
  presentFrames,
  runsOfMask,
  sampledFrameDice,
  signedDistance,
  temporalConsistency,
  tubeIou,
  type ConsecutiveFrame,
  type DetectionF1,
  type RunsResult,
  type TemporalConsistency,
  type TrackMasks,
} from './video';
