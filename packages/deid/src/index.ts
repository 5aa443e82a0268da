export { deidOptions, normaliseDeidOption, parseDeidOptions, optionCodes, basicProfileCode } from './options';
export type { DeidOption } from './options';
export type {
  PixelRegion,
  PixelFinding,
  PixelFindingKind,
  PixelDataPayload,
  PixelSignature,
  PixelImageView,
  PixelStageContext,
  PixelReplacement,
  PixelStageResult,
  PixelStage,
  SlideComposition,
} from './pipeline-types';
