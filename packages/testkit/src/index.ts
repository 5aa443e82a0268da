export { repoRoot, requireTestData, testDataPath } from './testdata';
export { dciodvfyAvailable, runDciodvfy, type DciodvfyReport } from './dicom/dciodvfy';
export { deflatedBomb, FUZZ_MARKER, fuzzCorpus, fuzzMarkers, writeFuzzCorpus, type FuzzCase, type FuzzClass } from './dicom/fuzz-corpus';
export { stepMemory, type StepMemory } from './peak-memory';
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
export { declaredSegmentation, readSharedSegmentation, sharedSegmentationFiles, type DeclaredSegmentation } from './dicom/segmentation-files';
export { orthancAvailable, startOrthanc, type OrthancServer } from './dicom/orthanc';
export { synthesizeNdpiSlide, type SyntheticNdpi } from './slides/synthetic-ndpi';
export { sparseDicomSlide, type SparseDicomSlide } from './slides/sparse-dicom-slide';
export { windowModelSlice, windowOnnxModel, type WindowModelOptions } from './onnx-model';
export { promptableDecoderSlice, promptableOnnxModels, type PromptableModelOptions } from './onnx-promptable';
export { startMonaiLabelService, type MonaiLabelBehaviour, type MonaiLabelService } from './monai-label-service';
