/**
 * The contract between the attribute gate (this package, outside pixel/ and slides/) and the
 * pixel stage (packages/deid/src/pixel/**, owned separately).
 *
 * Flow for one DICOM file:
 *   1. parse → capture identifying values + composition attributes from the INPUT
 *   2. attribute de-identification (Table E.1-1 + options, UIDs, dates, pseudonyms)
 *   3. if `needsPixelCheck(view)` (pipeline.ts: modality US, XA, DX, CR, SC, OT, IO, PX, ES, XC,
 *      GM, secondary capture SOP classes, BurnedInAnnotation=YES, RecognizableVisualFeatures=YES,
 *      or the clean-pixel-data / clean-recognizable-visual-features options) the pipeline calls
 *      `pixelStage.process(view, context)`. The view is built AFTER attribute de-id, except for
 *      `signature`, which carries the input's device values the rules file matches on (they
 *      may have been removed from the dataset by then).
 *   4. the result is applied: `replacement` (if any) becomes the new Pixel Data (and transfer
 *      syntax / photometric / lossy attributes); status 'quarantine' sends the file to
 *      quarantine with the findings; 'clean' and 'redacted' continue. BurnedInAnnotation is
 *      set to NO only when the stage says `burnedInTextRemoved: true`.
 *   5. markers, write, verifier (bytes + dciodvfy), DeidRecord.
 *
 * When no stage is injected the pipeline uses `quarantinePixelStage` (pipeline.ts): every file
 * that needs a pixel check is quarantined with finding `pixel-check-unavailable`. That is the
 * safe default; a real stage only ever relaxes it by positively clearing a file.
 *
 * A steward's redaction (rectangles drawn on a quarantined file) goes through the same stage:
 * the pipeline passes them in `context.stewardRegions`; the stage blanks them (and the rules'
 * regions) and re-runs its checks, so re-verification is the ordinary path.
 *
 * Rules: never put pixel text or any other value read from the image into `findings[].detail`
 * (records must not carry PHI) — report kinds, counts, frame numbers and rectangles only.
 */
import type { DeidOption } from './options';

/** A rectangle in pixel coordinates of one frame (frame undefined = every frame). */
export interface PixelRegion {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly frame?: number;
  /** Where the region came from: a signature rule id, 'steward', or 'ocr'. */
  readonly source: string;
}

export type PixelFindingKind =
  | 'burned-in-text'
  | 'burned-in-annotation-flag'
  | 'recognizable-visual-features'
  | 'secondary-capture-without-rule'
  | 'unsupported-transfer-syntax'
  | 'pixel-check-unavailable'
  | 'pixel-decode-failed';

export interface PixelFinding {
  readonly kind: PixelFindingKind;
  readonly frame?: number;
  readonly region?: PixelRegion;
  /** Non-identifying detail (counts, confidence); never the recognised text. */
  readonly detail?: string;
}

/** Pixel Data exactly as stored: native bytes, or encapsulated fragments grouped per frame. */
export type PixelDataPayload =
  | { readonly encapsulated: false; readonly bytes: Uint8Array }
  | { readonly encapsulated: true; readonly frames: readonly Uint8Array[] };

/** Device values from the INPUT (before removal) that pixel rules match on. */
export interface PixelSignature {
  readonly manufacturer?: string;
  readonly model?: string;
  readonly rows: number;
  readonly columns: number;
  readonly imageType: readonly string[];
  readonly modality?: string;
  readonly sopClassUid?: string;
}

/** What the pixel stage sees of one de-identified image. */
export interface PixelImageView {
  readonly transferSyntaxUid: string;
  readonly sopClassUid: string;
  readonly modality?: string;
  readonly rows: number;
  readonly columns: number;
  readonly numberOfFrames: number;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly highBit: number;
  readonly pixelRepresentation: number;
  readonly photometricInterpretation: string;
  readonly planarConfiguration: number;
  readonly burnedInAnnotation?: string;
  readonly recognizableVisualFeatures?: string;
  readonly signature: PixelSignature;
  /** Undefined when the object has no Pixel Data (e.g. SR); the stage then returns 'clean'. */
  readonly pixelData?: PixelDataPayload;
  /** Any other top-level value of the de-identified dataset, by 8-hex-digit tag ("00280030"). */
  getString(tag: string): string | undefined;
}

export interface PixelStageContext {
  readonly options: ReadonlySet<DeidOption>;
  /** Rectangles drawn by a data steward for this file (redaction and re-verification). */
  readonly stewardRegions: readonly PixelRegion[];
}

export interface PixelReplacement {
  readonly transferSyntaxUid: string;
  readonly pixelData: PixelDataPayload;
  readonly photometricInterpretation?: string;
  readonly planarConfiguration?: number;
  /** true when re-encoding was lossy: the pipeline sets LossyImageCompression=01 and appends ratio/method. */
  readonly lossy: boolean;
  readonly lossyRatio?: number;
  readonly lossyMethod?: string;
}

export interface PixelStageResult {
  readonly status: 'clean' | 'redacted' | 'quarantine';
  readonly regions: readonly PixelRegion[];
  readonly findings: readonly PixelFinding[];
  readonly replacement?: PixelReplacement;
  /** true only when the stage positively established that no burned-in text remains. */
  readonly burnedInTextRemoved: boolean;
}

export interface PixelStage {
  readonly name: string;
  process(image: PixelImageView, context: PixelStageContext): Promise<PixelStageResult>;
}

/**
 * Composition attributes of a slide (supplied by the slide scrubber); merged into the same
 * record as the DICOM composition attributes.
 */
export interface SlideComposition {
  readonly stain?: string;
  readonly scanner?: string;
}
