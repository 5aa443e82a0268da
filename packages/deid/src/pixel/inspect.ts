import { createHash } from 'node:crypto';
import { decodePixels, loadWasmCodecs, type DecodedPixels, type EncodedPixels } from '@delineate/formats';
import { isDelineateError } from '@delineate/schema';
import type { PixelFinding, PixelRegion } from '../pipeline-types';
import { blankFrame } from './blank';
import { burnedInTextFinding, findBurnedInWords, type BurnedInWordPolicy } from './burned-in-word';
import { defaultPixelRules } from './default-rules';
import { toGreyImage } from './grey-image';
import type { OcrEngine, PixelRect } from './ocr';
import { matchingRules, type PixelRules, type RuleSignature } from './rules';

/** What the pixel check quarantines, and (as its {@link BurnedInWordPolicy}) which OCR words count as text. */
export interface PixelPolicy extends BurnedInWordPolicy {
  readonly rules: PixelRules;
  /** Modalities whose images carry burned-in text: every frame is read by OCR. */
  readonly textModalities: ReadonlySet<string>;
}

export const defaultTextModalities: ReadonlySet<string> = new Set(['US', 'XA', 'DX', 'CR', 'SC', 'OT', 'RF', 'IO', 'PX', 'ES', 'XC', 'GM', 'MG']);

export const defaultPixelPolicy: PixelPolicy = {
  rules: defaultPixelRules,
  textModalities: defaultTextModalities,
  minConfidence: 40,
  minCharacters: 2,
};

/** Modalities of visible-light photographs, where a colour image may show a face. */
const photographicModalities = new Set(['XC', 'GM', 'OT', 'SC', 'ES', 'EPS']);
const SECONDARY_CAPTURE_PREFIX = '1.2.840.10008.5.1.4.1.1.7';

export interface PixelCheckInput {
  readonly encoded: EncodedPixels;
  /** Device values of the INPUT image the rules match on. */
  readonly signature: RuleSignature & { readonly sopClassUid?: string | undefined };
  readonly burnedInAnnotation?: string | undefined;
  readonly recognizableVisualFeatures?: string | undefined;
  /** Rectangles a data steward drew; their presence also means a person reviewed the image. */
  readonly stewardRegions?: readonly PixelRegion[];
}

export interface PixelCheckResult {
  readonly status: 'clean' | 'redacted' | 'quarantine';
  readonly regions: readonly PixelRegion[];
  readonly findings: readonly PixelFinding[];
  /** Every frame, decoded and blanked, when any region was blanked. */
  readonly blanked?: DecodedPixels;
  /** OCR read every frame and found no text outside the allowed regions. */
  readonly burnedInTextRemoved: boolean;
  readonly ocrFrames: number;
  readonly ocrMilliseconds: number;
}

export interface PixelCheckDeps {
  readonly policy?: PixelPolicy;
  readonly ocr: OcrEngine;
}

function isSecondaryCapture(s: PixelCheckInput['signature']): boolean {
  return s.modality?.toUpperCase() === 'SC' || s.modality?.toUpperCase() === 'OT' || (s.sopClassUid ?? '').startsWith(SECONDARY_CAPTURE_PREFIX);
}

function isColourPhotograph(input: PixelCheckInput): boolean {
  const pi = input.encoded.description.photometricInterpretation;
  const colour = pi !== 'MONOCHROME1' && pi !== 'MONOCHROME2';
  return colour && photographicModalities.has(input.signature.modality?.toUpperCase() ?? '');
}

/**
 * Checks, and where rules say so blanks, the burned-in content of one image:
 * 1. regions of matching rules and steward rectangles are blanked in every frame (or the named one);
 * 2. OCR reads every distinct frame of text-carrying images; a word outside the allowed regions
 *    is a `burned-in-text` finding (its box and confidence, never its text);
 * 3. BurnedInAnnotation=YES, secondary captures without a matching rule and colour photographs
 *    (recognisable visual features) are findings unless a steward reviewed the image and OCR
 *    came back clean.
 * Any finding means quarantine.
 */
export async function checkPixels(input: PixelCheckInput, deps: PixelCheckDeps): Promise<PixelCheckResult> {
  const policy = deps.policy ?? defaultPixelPolicy;
  const d = input.encoded.description;
  const rules = matchingRules(policy.rules, input.signature);
  const steward = input.stewardRegions ?? [];
  const reviewed = steward.length > 0;
  const ruleRegions: PixelRegion[] = rules.flatMap((r) => r.blank.map((b) => ({ ...b, source: r.id })));
  const regions = [...ruleRegions, ...steward];
  const allowed: PixelRect[] = rules.flatMap((r) => r.allowText);
  const modality = input.signature.modality?.toUpperCase() ?? '';
  const needsOcr = policy.textModalities.has(modality) || isSecondaryCapture(input.signature) || input.burnedInAnnotation?.toUpperCase() === 'YES' || reviewed;

  const flags: PixelFinding[] = [];
  if (input.burnedInAnnotation?.toUpperCase() === 'YES') flags.push({ kind: 'burned-in-annotation-flag', detail: 'BurnedInAnnotation is YES' });
  if (isSecondaryCapture(input.signature) && rules.length === 0) flags.push({ kind: 'secondary-capture-without-rule', detail: 'no pixel rule matches this secondary capture' });
  if (input.recognizableVisualFeatures?.toUpperCase() === 'YES' || isColourPhotograph(input)) {
    flags.push({ kind: 'recognizable-visual-features', detail: 'colour photographic image may show a face' });
  }

  const result = (findings: PixelFinding[], extra: Partial<PixelCheckResult> = {}): PixelCheckResult => ({
    status: findings.length > 0 ? 'quarantine' : extra.blanked ? 'redacted' : 'clean',
    regions: extra.blanked ? regions : [],
    findings,
    burnedInTextRemoved: false,
    ocrFrames: 0,
    ocrMilliseconds: 0,
    ...extra,
  });

  if (!needsOcr && regions.length === 0) return result(flags);

  let decoded: DecodedPixels;
  try {
    await loadWasmCodecs();
    decoded = decodePixels(input.encoded);
  } catch (error) {
    if (!isDelineateError(error)) throw error;
    const kind = error.code === 'DLN_DICOM_UNSUPPORTED' ? 'unsupported-transfer-syntax' : 'pixel-decode-failed';
    return result([...flags, { kind, detail: error.code }]);
  }

  let blankedPixels = 0;
  for (let f = 0; f < d.numberOfFrames; f++) {
    blankedPixels += blankFrame(decoded, f, regions.filter((r) => r.frame === undefined || r.frame === f));
  }
  const blanked = blankedPixels > 0 ? decoded : undefined;

  if (!needsOcr) return result(flags, blanked ? { blanked } : {});

  const text: PixelFinding[] = [];
  const seen = new Set<string>();
  const started = performance.now();
  let ocrFrames = 0;
  for (let f = 0; f < d.numberOfFrames; f++) {
    const frame = decoded.frames[f];
    if (!frame) continue;
    const digest = createHash('sha1').update(frame).digest('hex');
    if (seen.has(digest)) continue;
    seen.add(digest);
    ocrFrames++;
    const grey = toGreyImage(decoded, f);
    for (const word of await findBurnedInWords(deps.ocr, grey, policy, allowed)) text.push(burnedInTextFinding(word, f));
  }
  const ocrMilliseconds = performance.now() - started;
  const clean = text.length === 0;
  const findings = clean && reviewed ? [] : [...flags, ...text];
  return result(findings, { ...(blanked ? { blanked } : {}), burnedInTextRemoved: clean, ocrFrames, ocrMilliseconds });
}
