import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPixels, createOcrEngine, glyphContrast, toGreyImage, type GreyImage, type OcrEngine, type PixelCheckResult, type PixelRect } from '@delineate/deid';
import { decodePixels, EXPLICIT_VR_LITTLE_ENDIAN, type EncodedPixels } from '@delineate/formats';
import { requireTestData } from '@delineate/testkit';
import { burnIn, loadBackgrounds, sceneSpecs, type Background, type BurnedInScene } from './ocr-recall-scenes';

/** A grey frame as an ultrasound still (a text-carrying modality with no other flag), so only OCR decides. */
function asStill(image: GreyImage): EncodedPixels {
  return {
    transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN,
    description: { rows: image.height, columns: image.width, samplesPerPixel: 1, bitsAllocated: 8, bitsStored: 8, highBit: 7, pixelRepresentation: 0, photometricInterpretation: 'MONOCHROME2', planarConfiguration: 0, numberOfFrames: 1 },
    data: { encapsulated: false, bytes: image.data },
  };
}

const overlaps = (a: PixelRect, b: PixelRect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

async function check(ocr: OcrEngine, image: GreyImage): Promise<PixelCheckResult> {
  return checkPixels({ encoded: asStill(image), signature: { modality: 'US', rows: image.height, columns: image.width, imageType: [] } }, { ocr });
}

const textBoxes = (r: PixelCheckResult) => r.findings.flatMap((f) => (f.kind === 'burned-in-text' && f.region ? [f.region] : []));

const PER_BACKGROUND = 6;

describe('recall of the OCR stage on names burned into real images', { timeout: 600_000 }, () => {
  let work: string;
  let ocr: OcrEngine;
  let backgrounds: Background[];
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'dln-ocr-recall-'));
    ocr = createOcrEngine();
    backgrounds = await loadBackgrounds(requireTestData);
  });
  afterAll(async () => {
    await ocr?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('holds the burned-in names drawn at 8–22 px in white, black and yellow, on banners and over texture, without holding text-free images', async () => {
    const scenes: BurnedInScene[] = [];
    for (const [b, background] of backgrounds.entries()) {
      for (const spec of sceneSpecs(1000 + b, PER_BACKGROUND)) scenes.push(await burnIn(work, background, spec));
    }
    expect(scenes.length).toBe(backgrounds.length * PER_BACKGROUND);

    const missed: BurnedInScene[] = [];
    let strayWords = 0;
    for (const scene of scenes) {
      const found = textBoxes(await check(ocr, scene.image));
      if (!found.some((box) => overlaps(box, scene.box))) missed.push(scene);
      strayWords += found.filter((box) => !overlaps(box, scene.box)).length;
    }
    const heldClean: string[] = [];
    for (const background of backgrounds) {
      const words = textBoxes(await check(ocr, background.image));
      strayWords += words.length;
      if (words.length > 0) heldClean.push(background.name);
    }
    // A name drawn with less contrast than the glyph rule asks (black on a dark fundus), in the
    // grey the gate reads (stretched from the frame's minimum to its maximum), is below what the
    // gate decides on by design; every other miss is the OCR's.
    const belowRule = (s: BurnedInScene) => glyphContrast(toGreyImage(decodePixels(asStill(s.image)), 0), s.box) < 80;
    const describe = (s: BurnedInScene) => `${s.background} ${s.fontSize}px ink ${s.ink}${s.onBanner ? ' banner' : ''}${belowRule(s) ? ' (below the glyph rule)' : ''}`;
    console.info(`OCR recall: ${scenes.length - missed.length}/${scenes.length} held; missed: ${missed.map(describe).join('; ') || 'none'}; text-free images held: ${heldClean.join(', ') || 'none'}; words held off the name: ${strayWords}`);

    // The gate before the glyph-stroke pass held 18 of these 30 (with it: 21).
    expect(scenes.length - missed.length).toBeGreaterThanOrEqual(21);
    // Names of 10 px and more the glyph rule can see: at most five still missed (the old gate missed seven of 10 px and more).
    expect(missed.filter((s) => !belowRule(s) && s.fontSize >= 10).length).toBeLessThanOrEqual(5);
    // Only the ultrasound, whose colour-Doppler speckle OCR reads as words on the plain pass already, is held without text.
    expect(heldClean.filter((name) => name !== 'ultrasound')).toEqual([]);
    // And no more words held off the names than the plain pass alone held (10).
    expect(strayWords).toBeLessThanOrEqual(10);
  });
});
