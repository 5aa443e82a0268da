import { decodePixels, editTopLevel, loadWasmCodecs, readPixelSource, textValue, writePixels, type PixelSource } from '@delineate/formats';
import { DelineateError } from '@delineate/schema';
import type { PixelRegion } from '../pipeline-types';
import { blankFrame } from './blank';
import { checkPixels, type PixelCheckDeps, type PixelCheckResult } from './inspect';
import type { PixelRect } from './ocr';

export interface DicomPixelCheck extends PixelCheckResult {
  /** The file with blanked regions written back (the input when nothing was blanked). */
  readonly bytes: Uint8Array;
}

function signatureOf(source: PixelSource) {
  const s = source.signature;
  return {
    manufacturer: s.manufacturer,
    model: s.manufacturerModelName,
    modality: s.modality,
    sopClassUid: s.sopClassUid,
    rows: source.description.rows,
    columns: source.description.columns,
    imageType: s.imageType,
  };
}

/**
 * Runs the pixel check on a whole DICOM file (its own header supplies the rule signature) and
 * writes blanked regions back. Files without Pixel Data come back clean and unchanged.
 */
export async function checkDicomPixels(bytes: Uint8Array, deps: PixelCheckDeps, stewardRegions: readonly PixelRegion[] = []): Promise<DicomPixelCheck> {
  const source = readPixelSource(bytes);
  if (!source) return { status: 'clean', regions: [], findings: [], burnedInTextRemoved: true, ocrFrames: 0, ocrMilliseconds: 0, bytes };
  const result = await checkPixels(
    {
      encoded: source,
      signature: signatureOf(source),
      burnedInAnnotation: source.signature.burnedInAnnotation,
      recognizableVisualFeatures: undefined,
      stewardRegions,
    },
    deps,
  );
  const out = result.blanked ? writePixels(source, result.blanked).bytes : bytes;
  return { ...result, bytes: out };
}

/**
 * Blanks a data steward's rectangles in the listed frames (0-based; every frame when omitted)
 * and returns the re-encoded file: uncompressed inputs keep their transfer syntax, compressed
 * ones become Explicit VR Little Endian (lossless from the decoded pixels).
 */
export async function redactRegions(bytes: Uint8Array, rects: readonly PixelRect[], frames?: readonly number[]): Promise<Uint8Array> {
  const source = readPixelSource(bytes);
  if (!source) throw new DelineateError('DLN_REQUEST_INVALID', 'The file has no pixel data to redact');
  if (rects.length === 0) throw new DelineateError('DLN_REQUEST_INVALID', 'No rectangles to redact');
  for (const r of rects) {
    const sane = [r.x, r.y, r.width, r.height].every(Number.isFinite) && r.width > 0 && r.height > 0;
    if (!sane) throw new DelineateError('DLN_REQUEST_INVALID', 'A rectangle needs finite x, y and a positive width and height');
  }
  await loadWasmCodecs();
  const decoded = decodePixels(source);
  const n = source.description.numberOfFrames;
  const targets = frames ?? Array.from({ length: n }, (_, i) => i);
  for (const f of targets) {
    if (!Number.isInteger(f) || f < 0 || f >= n) throw new DelineateError('DLN_REQUEST_INVALID', 'Frame number out of range', { frame: f });
    blankFrame(decoded, f, rects);
  }
  return writePixels(source, decoded).bytes;
}

export interface RedactionOutcome extends DicomPixelCheck {
  readonly stewardRegions: readonly PixelRegion[];
}

/**
 * The steward's path for a quarantined file: blank the rectangles, then check the result again
 * (OCR on every frame). When OCR finds no remaining text, BurnedInAnnotation becomes NO and the
 * status is `redacted`; otherwise the file stays quarantined with the new findings.
 */
export async function redactAndVerify(bytes: Uint8Array, rects: readonly PixelRect[], deps: PixelCheckDeps, frames?: readonly number[]): Promise<RedactionOutcome> {
  const redacted = await redactRegions(bytes, rects, frames);
  const stewardRegions: PixelRegion[] = (frames ?? [undefined]).flatMap((frame) => rects.map((r) => ({ x: r.x, y: r.y, width: r.width, height: r.height, source: 'steward', ...(frame === undefined ? {} : { frame }) })));
  const check = await checkDicomPixels(redacted, deps, stewardRegions);
  const status = check.status === 'quarantine' ? 'quarantine' : 'redacted';
  let out = check.bytes;
  if (check.burnedInTextRemoved && status === 'redacted') {
    const source = readPixelSource(out);
    if (source) out = editTopLevel(source.walked, [{ tag: 0x00280301, vr: 'CS', value: textValue('NO') }]);
  }
  return { ...check, status, regions: [...check.regions, ...stewardRegions], bytes: out, stewardRegions };
}
