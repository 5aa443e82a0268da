import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPixels, createOcrEngine, type GreyImage, type OcrEngine, type PixelCheckResult, type PixelRect } from '@delineate/deid';
import { EXPLICIT_VR_LITTLE_ENDIAN, type EncodedPixels } from '@delineate/formats';
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
  // MONOCHROME2 from 0 to 255 is not stretched: the gate reads exactly these pixels.
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

  it('holds nearly every burned-in name at 8–22 px in white, black and yellow, on banners and over texture, and holds no text-free image', async () => {
    const scenes: BurnedInScene[] = [];
    for (const [b, background] of backgrounds.entries()) {
      for (const spec of sceneSpecs(1000 + b, PER_BACKGROUND)) scenes.push(await burnIn(work, background, spec));
    }
    expect(scenes.length).toBe(backgrounds.length * PER_BACKGROUND);

    const missed: string[] = [];
    let strayHolds = 0;
    for (const scene of scenes) {
      const found = textBoxes(await check(ocr, scene.image));
      if (!found.some((box) => overlaps(box, scene.box))) missed.push(`${scene.background} ${scene.fontSize}px ink ${scene.ink}${scene.onBanner ? ' banner' : ''}`);
      strayHolds += found.filter((box) => !overlaps(box, scene.box)).length;
    }
    const falseHolds: string[] = [];
    for (const background of backgrounds) {
      const result = await check(ocr, background.image);
      if (result.status !== 'clean') falseHolds.push(background.name);
    }
    console.info(`OCR recall: ${scenes.length - missed.length}/${scenes.length} held; missed: ${missed.join('; ') || 'none'}; text-free images held: ${falseHolds.join(', ') || 'none'}; stray words held beside the name: ${strayHolds}`);

    expect(falseHolds).toEqual([]);
    expect(missed).toEqual([]);
  });
});
