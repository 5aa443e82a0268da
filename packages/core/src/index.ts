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
export { boxMeans } from './box-means';
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
export { type GrownRegion, type RegionGrowOptions, type Voxel, RegionGrowing, growRegion, regionMask } from './components/region-grow';
export { CT_WINDOWS, ctBody, ctBone, ctLung, thresholdInBox } from './components/classical';
export { type PathLengths, pathLengths } from './metrics/path-length';
export { discAndCup, extent, largestLineCount, type DiscCupLabels, type FundusMask } from './fundus/cup-disc';
export { fitEllipse, outerContourPoints, type EllipseFit } from './fundus/ellipse-fit';
export { isntSectors, rimWidthsByIsntSector, type IsntSector, type Laterality, type SectorRim } from './fundus/rim';
export { cdrConventions, cdrConventionWords, fundusMeasures, verticalCdr, type CdrByConvention, type CdrConvention, type FundusMeasures, type SectorRimMeasure } from './fundus/measures';
export { blandAltman, fundusPairAgreement, type BlandAltman, type FundusPairAgreement, type StructureAgreement } from './fundus/agreement';
export { ellipseContour, rasteriseContour, rasteriseDiscAndCup, type Contour, type DiscCupRaster } from './fundus/contours';
export {
  AScanState,
  type BoundaryOrderViolation,
  type BoundarySet,
  type BoundarySetCheck,
  boundaryIndex,
  cellOf,
  checkBoundarySet,
  emptyBoundarySet,
  findBoundaryOrderViolation,
  heightAt,
  octBoundaries,
  octBoundaryConcepts,
  type OctBoundary,
  setAbsent,
  setHeight,
} from './oct/boundaries';
export { type DecodedBoundarySet, decodeBoundarySet, encodeBoundarySet } from './oct/boundary-codec';
export {
  type EnFacePoint,
  type EtdrsGrid,
  type EtdrsSector,
  type OctGeometry,
  etdrsGrid,
  etdrsSectorIndex,
  etdrsSectorOf,
  etdrsSectors,
  labelVolumesMm3,
  thicknessMap,
  thinnestCentralPoint,
} from './oct/thickness';
export {
  type BoundaryAgreement,
  type FluidAgreement,
  boundaryAgreement,
  consensusBoundarySet,
  fluidAgreement,
  percentileOfSorted,
} from './agreement/boundary';
export { consecutiveSlabs, type OctMeasures, octMeasures, type OctSlab, retinaSlab, type SlabMeasures } from './oct/measures';
export { boundaryHeightsCsv, boundaryHeightsJson } from './oct/boundary-table';
export { type BScanPoint, type EdgePolarity, flattenShifts, propagateToBScan, snapAlongEdge } from './oct/snap';
export { fillContours } from './mask/contour-fill';
export {
  type CardiacLabelMapName,
  type CardiacLabelValues,
  type CardiacStructure,
  type RelabelResult,
  cardiacLabelMapName,
  cardiacLabelMapNames,
  cardiacLabelMaps,
  cardiacStructures,
  relabelCardiac,
} from './cardiac/label-maps';
export {
  type CardiacContourKind,
  type CardiacSliceContours,
  type CineLabelStack,
  cardiacContourKinds,
  contourStructure,
  emptyCineStack,
  planeOffset,
  rasteriseCardiacSlice,
} from './cardiac/cine-stack';
export {
  type BasalSliceRule,
  type CardiacConventions,
  type CardiacMeasures,
  type PapillaryMusclePolicy,
  type VentricleMeasures,
  type VolumeCurves,
  basalSliceRules,
  cardiacMeasures,
  designateEdEs,
  myocardialDensity,
  papillaryMusclePolicies,
  volumeCurves,
} from './cardiac/measures';
export { type IndexAgreement, type PhaseStructureAgreement, frameDisagreement, indexAgreement, structureAgreement } from './cardiac/agreement';
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
