import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePixels, elementString, readPixelSource, walkDicom } from '@delineate/formats';
import { requireTestData } from '@delineate/testkit';
import { deidentifyDicom } from '../pipeline';
import type { PixelImageView } from '../pipeline-types';
import { DerivedPseudonymMap } from '../pseudonyms';
import { checkDicomPixels, redactAndVerify } from './dicom-file';
import { createOcrEngine } from './ocr';
import { parsePixelRules } from './rules';
import { createOcrPixelStage } from './stage';

// One worker for the whole file: OCR costs about a second a frame, so these tests are few.
const ocr = createOcrEngine();
afterAll(() => ocr.close());

const load = (path: string): Uint8Array => new Uint8Array(readFileSync(requireTestData(path)));
const BANNER = { x: 0, y: 0, width: 1024, height: 24 };

describe('burned-in PHI in the shared ultrasound', () => {
  const original = load('dicom/deid-data/GREYSCALE_IMAGE.dcm');

  it('finds the banner text, reports boxes and confidences only, and quarantines the file', async () => {
    const result = await checkDicomPixels(original, { ocr });
    expect(result.status).toBe('quarantine');
    expect(result.findings.map((f) => f.kind)).toContain('burned-in-annotation-flag');
    const text = result.findings.filter((f) => f.kind === 'burned-in-text');
    expect(text.length).toBeGreaterThanOrEqual(3);
    // Every word found outside the allowed panels lies in the banner.
    for (const f of text) expect((f.region?.y ?? 99) + (f.region?.height ?? 0)).toBeLessThanOrEqual(24);
    // The patient's name (about x 83–172) is among them, though OCR reads it with low confidence.
    expect(text.some((f) => (f.region?.x ?? 0) < 120 && (f.region?.x ?? 0) + (f.region?.width ?? 0) > 140)).toBe(true);
    // Records carry no recognised text: only the kind, the box and a confidence figure.
    expect(JSON.stringify(result.findings)).not.toMatch(/PATIENT|CLEVELAND|1951|CCHS/i);
    expect(result.bytes).toBe(original);
  });

  it('passes after a steward blanks the banner: re-verified by OCR, BurnedInAnnotation NO, pixels below untouched', async () => {
    const outcome = await redactAndVerify(original, [BANNER], { ocr });
    expect(outcome.findings).toEqual([]);
    expect(outcome.status).toBe('redacted');
    expect(outcome.burnedInTextRemoved).toBe(true);
    expect(outcome.regions).toContainEqual({ ...BANNER, source: 'steward' });
    expect(elementString(walkDicom(outcome.bytes), 0x00280301)).toBe('NO');
    const before = decodePixels(readPixelSource(original)!).frames[0]!;
    const after = decodePixels(readPixelSource(outcome.bytes)!).frames[0]!;
    expect(after.subarray(0, 24 * 1024).every((v) => v === 0)).toBe(true);
    expect(Buffer.compare(after.subarray(24 * 1024), before.subarray(24 * 1024))).toBe(0);
  });

  it('blanks the regions of a matching rule through the pipeline stage and still quarantines on the flag', async () => {
    const policyRules = parsePixelRules({
      version: 1,
      rules: [{ id: 'site-epiq-banner', match: { manufacturer: 'philips*', rows: 768, columns: 1024 }, blank: [BANNER], allowText: [{ x: 0, y: 24, width: 1024, height: 744 }] }],
    });
    const source = readPixelSource(original)!;
    const stage = createOcrPixelStage({ ocr, policy: { rules: policyRules, textModalities: new Set(['US']), minConfidence: 60, minCharacters: 2 } });
    const view: PixelImageView = {
      transferSyntaxUid: source.transferSyntaxUid,
      sopClassUid: source.signature.sopClassUid ?? '',
      modality: 'US',
      ...source.description,
      burnedInAnnotation: 'YES',
      signature: { manufacturer: 'Philips Medical Systems', model: 'EPIQ 5G', rows: 768, columns: 1024, imageType: [...source.signature.imageType], modality: 'US' },
      pixelData: source.data,
      getString: () => undefined,
    };
    const result = await stage.process(view, { options: new Set(), stewardRegions: [] });
    // The rule removed the banner (no text finding left), but BurnedInAnnotation=YES still needs a person.
    expect(result.findings.map((f) => f.kind)).toEqual(['burned-in-annotation-flag']);
    expect(result.status).toBe('quarantine');
    expect(result.regions).toEqual([{ ...BANNER, source: 'site-epiq-banner' }]);
    expect(result.replacement?.transferSyntaxUid).toBe(source.transferSyntaxUid);
    const replaced = result.replacement?.pixelData;
    expect(replaced && !replaced.encapsulated && replaced.bytes.subarray(0, 24 * 1024).every((v) => v === 0)).toBe(true);
    await stage.close(); // shared engine: not closed by the stage
  });
});

describe('the pixel stage on a compressed image', () => {
  it('writes a steward-redacted JPEG baseline image back uncompressed as explicit VR LE RGB, marking the earlier loss', async () => {
    const source = readPixelSource(load('dicom/deid-data/ctbrain1.dcm'))!;
    const stage = createOcrPixelStage({ ocr });
    const view: PixelImageView = {
      transferSyntaxUid: source.transferSyntaxUid,
      sopClassUid: source.signature.sopClassUid ?? '',
      modality: 'CT',
      ...source.description,
      signature: { rows: source.description.rows, columns: source.description.columns, imageType: [...source.signature.imageType], modality: 'CT', ...(source.signature.sopClassUid ? { sopClassUid: source.signature.sopClassUid } : {}) },
      pixelData: source.data,
      // As if the attribute step had dropped LossyImageCompression: the stage must restore the mark.
      getString: () => undefined,
    };
    const result = await stage.process(view, { options: new Set(), stewardRegions: [{ x: 0, y: 0, width: 100, height: 50, source: 'steward' }] });
    expect(result.status).toBe('redacted');
    const replacement = result.replacement!;
    expect(replacement).toMatchObject({ transferSyntaxUid: '1.2.840.10008.1.2.1', photometricInterpretation: 'RGB', planarConfiguration: 0, lossy: true, lossyMethod: 'ISO_10918_1' });
    const bytes = replacement.pixelData.encapsulated ? new Uint8Array() : replacement.pixelData.bytes;
    expect(bytes.length).toBe(source.description.rows * source.description.columns * 3);
    expect(bytes.subarray(0, 300).every((v) => v === 0)).toBe(true);
  });
});

describe('the gate with the OCR pixel stage', () => {
  it('quarantines the ultrasound, then passes it once a steward has drawn the banner rectangle', async () => {
    const secret = new TextEncoder().encode('pixel-stage-test-project-secret');
    const stage = createOcrPixelStage({ ocr });
    const config = { secret, options: new Set<never>(), pseudonyms: new DerivedPseudonymMap(secret), pixelStage: stage };
    const input = load('dicom/deid-data/GREYSCALE_IMAGE.dcm');
    const first = await deidentifyDicom(input, config);
    expect(first.record.status).toBe('quarantined');
    expect(first.record.findings.some((f) => f.kind === 'burned-in-text')).toBe(true);
    const second = await deidentifyDicom(input, config, [{ ...BANNER, source: 'steward' }]);
    expect(second.record.findings).toEqual([]);
    expect(second.record.status).toBe('passed');
    const out = readPixelSource(second.output!)!;
    expect(elementString(out.walked, 0x00280301)).toBe('NO');
    expect(decodePixels(out).frames[0]!.subarray(0, 24 * 1024).every((v) => v === 0)).toBe(true);
  });
});

describe('recognisable visual features', () => {
  it('quarantines the face photograph (OT, palette colour) without a matching rule', async () => {
    const result = await checkDicomPixels(load('dicom/pydicom-data/OT-PAL-8-face.dcm'), { ocr });
    expect(result.status).toBe('quarantine');
    expect(result.findings.map((f) => f.kind)).toEqual(expect.arrayContaining(['recognizable-visual-features', 'secondary-capture-without-rule']));
  });
});

describe('the real WG-04 fundus photograph (Secondary Capture, JPEG 2000)', () => {
  const fundus = load('dicom/wg04/VL4_fundus_j2k.dcm');

  it('finds no burned-in text in the retina’s low-contrast texture, and is held only for a steward’s review of a colour capture', { timeout: 120_000 }, async () => {
    const result = await checkDicomPixels(fundus, { ocr });
    expect(result.ocrFrames).toBe(1);
    expect(result.findings.map((f) => f.kind).sort()).toEqual(['recognizable-visual-features', 'secondary-capture-without-rule']);
  });

  it('passes the gate once a steward has reviewed it (a rectangle over the black field outside the retina), with OCR clean', { timeout: 120_000 }, async () => {
    const secret = new TextEncoder().encode('pixel-stage-fundus-secret');
    const config = { secret, options: new Set<never>(), pseudonyms: new DerivedPseudonymMap(secret), pixelStage: createOcrPixelStage({ ocr }) };
    const corner = { x: 0, y: 1768, width: 100, height: 100, source: 'steward' as const };
    const reviewed = await deidentifyDicom(fundus, config, [corner]);
    expect(reviewed.record.findings).toEqual([]);
    expect(reviewed.record.status).toBe('passed');
  });
});
