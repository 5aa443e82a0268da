import { EXPLICIT_VR_LITTLE_ENDIAN, encodeNativePixels, transferSyntax, type DecodedPixels, type EncodedPixels } from '@delineate/formats';
import type { PixelImageView, PixelReplacement, PixelStage, PixelStageContext, PixelStageResult } from '../pipeline-types';
import { checkPixels, type PixelPolicy } from './inspect';
import { createOcrEngine, type OcrEngine } from './ocr';

export interface OcrPixelStage extends PixelStage {
  /** Ends the OCR worker (if this stage created it). */
  close(): Promise<void>;
}

export interface OcrPixelStageOptions {
  readonly policy?: PixelPolicy;
  /** An engine to share; by default the stage creates one and ends it on `close()`. */
  readonly ocr?: OcrEngine;
}

function encodedOf(view: PixelImageView): EncodedPixels | undefined {
  if (!view.pixelData) return undefined;
  return {
    transferSyntaxUid: view.transferSyntaxUid,
    description: {
      rows: view.rows,
      columns: view.columns,
      samplesPerPixel: view.samplesPerPixel,
      bitsAllocated: view.bitsAllocated,
      bitsStored: view.bitsStored,
      highBit: view.highBit,
      pixelRepresentation: view.pixelRepresentation,
      photometricInterpretation: view.photometricInterpretation.trim().toUpperCase(),
      planarConfiguration: view.planarConfiguration,
      numberOfFrames: Math.max(1, view.numberOfFrames),
    },
    data: view.pixelData,
  };
}

/** Defined terms of LossyImageCompressionMethod (0028,2114) for the lossy codecs decoded here. */
const lossyMethods: Readonly<Record<string, string>> = { 'jpeg-baseline': 'ISO_10918_1', 'jpeg-extended': 'ISO_10918_1', 'jpeg-ls': 'ISO_14495_1', jpeg2000: 'ISO_15444_1' };

/**
 * The replacement Pixel Data for blanked frames: native inputs keep their transfer syntax and
 * layout; compressed inputs become Explicit VR Little Endian, uncompressed (no new loss).
 */
function replacementOf(view: PixelImageView, blanked: DecodedPixels): PixelReplacement {
  const syntax = transferSyntax(view.transferSyntaxUid);
  const native = syntax?.codec === 'native';
  const alreadyMarkedLossy = view.getString('00282110')?.trim() === '01';
  return {
    transferSyntaxUid: native ? view.transferSyntaxUid : EXPLICIT_VR_LITTLE_ENDIAN,
    pixelData: { encapsulated: false, bytes: encodeNativePixels(blanked, native ? (syntax?.littleEndian ?? true) : true, native ? view.planarConfiguration : 0) },
    photometricInterpretation: blanked.description.photometricInterpretation,
    ...(blanked.description.samplesPerPixel > 1 ? { planarConfiguration: native ? view.planarConfiguration : 0 } : {}),
    // Writing decoded pixels uncompressed adds no loss; an input that was lossy stays marked.
    ...(blanked.lossy && !alreadyMarkedLossy ? { lossy: true, ...(lossyMethods[syntax?.codec ?? ''] ? { lossyMethod: lossyMethods[syntax?.codec ?? ''] } : {}) } : { lossy: false }),
  };
}

/**
 * The pixel stage the pipeline injects: pixel rules, OCR on every frame of text-carrying
 * images, quarantine flags, and steward rectangles (see {@link checkPixels}).
 */
export function createOcrPixelStage(options: OcrPixelStageOptions = {}): OcrPixelStage {
  const ownsEngine = options.ocr === undefined;
  const ocr = options.ocr ?? createOcrEngine();
  return {
    name: 'ocr-pixel-stage',
    async process(view: PixelImageView, context: PixelStageContext): Promise<PixelStageResult> {
      const encoded = encodedOf(view);
      if (!encoded) return { status: 'clean', regions: [], findings: [], burnedInTextRemoved: false };
      const result = await checkPixels(
        {
          encoded,
          signature: { ...view.signature, rows: view.signature.rows || view.rows, columns: view.signature.columns || view.columns },
          burnedInAnnotation: view.burnedInAnnotation,
          recognizableVisualFeatures: view.recognizableVisualFeatures,
          stewardRegions: context.stewardRegions,
        },
        { ocr, ...(options.policy ? { policy: options.policy } : {}) },
      );
      return {
        status: result.status,
        regions: result.regions,
        findings: result.findings,
        burnedInTextRemoved: result.burnedInTextRemoved && result.status !== 'quarantine',
        ...(result.blanked ? { replacement: replacementOf(view, result.blanked) } : {}),
      };
    },
    async close() {
      if (ownsEngine) await ocr.close();
    },
  };
}
