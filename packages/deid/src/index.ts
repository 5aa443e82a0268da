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
export { profileRows, profileRowFor, resolveAction } from './table';
export type { ResolvedAction } from './table';
export type { ProfileRow, ProfileAction, ProfilePattern, TableOption } from './table-types';
export { UidMapper, isWellKnownUid } from './uids';
export { dateOffsetDays, shiftDate, shiftDateTime, capAge } from './dates';
export { DerivedPseudonymMap, FilePseudonymMap } from './pseudonyms';
export type { PseudonymMap, PatientKey } from './pseudonyms';
export { deidentifyDataset, dummyValue, scrubText } from './engine';
export type { AttributeAction, EngineContext } from './engine';
export { collectIdentifyingValues } from './identifying';
export { extractComposition, ageBand } from './composition';
export type { CompositionAttributes } from './composition';
export { writeMarkers } from './markers';
export { createDciodvfyValidator } from './dciodvfy';
export type { IodValidator, DciodvfyValidator } from './dciodvfy';
export { verifyOutput } from './verifier';
export type { VerifierFinding, VerifierFindingKind, VerifyInput } from './verifier';
export { deidentifyDicom, deidentifySlide, isTiff, needsPixelCheck, quarantinePixelStage, rejectedFile } from './pipeline';
export type { DeidConfig, DeidFileResult, DeidGate } from './pipeline';
export { batchReport, reasonsOf, stewardFinding, summariseReport } from './record';
export type { DeidRecord, DeidStatus, DeidFinding, DeidBatchReport, StewardFinding } from './record';
export type { SafePrivateRule } from './safe-lists';
export { defaultSafePrivate } from './safe-lists';
export { createOcrPixelStage } from './pixel/stage';
export type { OcrPixelStage, OcrPixelStageOptions } from './pixel/stage';
export { checkPixels, defaultPixelPolicy, defaultTextModalities } from './pixel/inspect';
export type { PixelCheckInput, PixelCheckResult, PixelCheckDeps, PixelPolicy } from './pixel/inspect';
export { isBurnedInWord, findBurnedInWords, burnedInTextFinding, glyphContrast } from './pixel/burned-in-word';
export type { BurnedInWordPolicy } from './pixel/burned-in-word';
export { defaultOcrPasses, glyphStrokes } from './pixel/ocr-passes';
export type { OcrPass } from './pixel/ocr-passes';
export { checkDicomPixels, redactRegions, redactAndVerify } from './pixel/dicom-file';
export type { DicomPixelCheck, RedactionOutcome } from './pixel/dicom-file';
export { createOcrEngine, englishLanguagePath, withOcrEngine } from './pixel/ocr';
export type { OcrEngine, PixelRect, TextBox } from './pixel/ocr';
export { parsePixelRules, pixelRulesSchema, matchingRules } from './pixel/rules';
export type { PixelRule, PixelRules, RuleSignature } from './pixel/rules';
export { defaultPixelRules } from './pixel/default-rules';
export { scrubTiffSlide, scrubTiffSlideFile, associatedImageKind, gateConvertedSlide } from './slides/tiff-slide';
export type { SlideScrubResult, SlideScrubFinding, AssociatedImageKind, ConvertedSlideGate } from './slides/tiff-slide';
export { isSlideLabelOrOverview, slideCompositionFromDicom } from './slides/dicom-slide';
export { toGreyImage, encodePng } from './pixel/grey-image';
export type { GreyImage } from './pixel/grey-image';
