import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPixels, createOcrEngine, defaultPixelPolicy, glyphContrast, toGreyImage, type GreyImage, type OcrEngine, type PixelRect, type TextBox } from '@delineate/deid';
import { decodePixels, EXPLICIT_VR_LITTLE_ENDIAN, loadWasmCodecs, readPixelSource, type EncodedPixels } from '@delineate/formats';
import { requireTestData } from '@delineate/testkit';
import { decodeVideo } from './decode';
import { runTool } from './ffmpeg';
import { probeVideo } from './probe';
import { OVERLAY_FONT } from './synthetic-clip';
import { burnedInTextFindings } from './video-gate';

const BANNER_HEIGHT = 40;

/**
 * A frame with both kinds of OCR word: a device-style banner carrying a name (white on black)
 * above a crop of the real WG-04 fundus, whose vessel and choroid texture OCR reads as
 * low-contrast "words" (the false positives the glyph rule exists for).
 */
async function nameOverFundus(work: string): Promise<GreyImage> {
  await loadWasmCodecs();
  const fundus = toGreyImage(decodePixels(readPixelSource(new Uint8Array(await readFile(requireTestData('dicom/wg04/VL4_fundus_j2k.dcm'))))!), 0);
  const crop = { x: 1000, y: 40, width: 640, height: 400 };
  const texture = new Uint8Array(crop.width * crop.height);
  for (let y = 0; y < crop.height; y++) {
    const row = (crop.y + y) * fundus.width + crop.x;
    texture.set(fundus.data.subarray(row, row + crop.width), y * crop.width);
  }
  // ffmpeg draws white as 235 in grey (video range); the banner is scaled to 0–255, as a device draws it.
  const text = `drawtext=fontfile=${OVERLAY_FONT}:text='JANE DOE':x=8:y=10:fontsize=20:fontcolor=white`;
  await runTool('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=black:s=${crop.width}x${BANNER_HEIGHT}`, '-frames:v', '1', '-vf', `format=gray,${text}`, '-f', 'rawvideo', '-pix_fmt', 'gray', join(work, 'banner.gray')]);
  const banner = Uint8Array.from(await readFile(join(work, 'banner.gray')), (v) => Math.min(255, Math.round((v * 255) / 235)));
  const data = new Uint8Array(banner.length + texture.length);
  data.set(banner);
  data.set(texture, banner.length);
  await writeFile(join(work, 'frame.gray'), data);
  return { width: crop.width, height: crop.height + BANNER_HEIGHT, data };
}

/** The frame as a one-frame clip, lossless and full-range, so the video gate's decoded sample is the still's pixels exactly. */
async function asClip(frame: GreyImage, work: string): Promise<string> {
  const clip = join(work, 'frame.mp4');
  await runTool('ffmpeg', ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${frame.width}x${frame.height}`, '-framerate', '1', '-i', join(work, 'frame.gray'), '-c:v', 'libx264', '-qp', '0', '-pix_fmt', 'gray', '-color_range', 'pc', clip]);
  return clip;
}

/** The frame as a still image: 8-bit MONOCHROME2, one frame, uncompressed. */
function asStill(frame: GreyImage): EncodedPixels {
  return {
    transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN,
    description: { rows: frame.height, columns: frame.width, samplesPerPixel: 1, bitsAllocated: 8, bitsStored: 8, highBit: 7, pixelRepresentation: 0, photometricInterpretation: 'MONOCHROME2', planarConfiguration: 0, numberOfFrames: 1 },
    data: { encapsulated: false, bytes: frame.data },
  };
}

/** The real engine, keeping the words it returned so each word's decision can be compared between paths. */
function keepingWords(engine: OcrEngine): OcrEngine & { reads: TextBox[][] } {
  const reads: TextBox[][] = [];
  return {
    reads,
    async findText(image) {
      const words = await engine.findText(image);
      reads.push(words);
      return words;
    },
    close: async () => undefined,
  };
}

const sameBox = (a: PixelRect, b: PixelRect) => a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;

describe('one burned-in word rule for stills and video frames', { timeout: 300_000 }, () => {
  let work: string;
  let ocr: OcrEngine;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'dln-word-rule-'));
    ocr = createOcrEngine();
  });
  afterAll(async () => {
    await ocr?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('decides every word of the same frame the same way in the image gate and the video gate: the name held, the fundus texture not', async () => {
    const frame = await nameOverFundus(work);

    const stillOcr = keepingWords(ocr);
    const still = await checkPixels({ encoded: asStill(frame), signature: { modality: 'XC', rows: frame.height, columns: frame.width, imageType: [] } }, { ocr: stillOcr });
    // The image gate read exactly these pixels (MONOCHROME2 from 0 to 255 is not stretched).
    expect(Buffer.compare(toGreyImage(decodePixels(asStill(frame)), 0).data, frame.data)).toBe(0);

    const clip = await asClip(frame, work);
    const decoded = await decodeVideo(clip, work, await probeVideo(clip));
    expect(decoded.samples.map((s) => s.frameIndex)).toEqual([0]);
    expect(Buffer.compare(decoded.samples[0]!.data, frame.data)).toBe(0);
    const videoOcr = keepingWords(ocr);
    const video = await burnedInTextFindings(videoOcr, decoded.samples);

    const words = stillOcr.reads.flat();
    expect(videoOcr.reads.flat()).toEqual(words);
    const held = (findings: readonly { kind: string; region?: PixelRect | undefined }[], word: TextBox) => findings.some((f) => f.kind === 'burned-in-text' && f.region !== undefined && sameBox(f.region, word.box));
    const decisions = (findings: readonly { kind: string; region?: PixelRect | undefined }[]) => words.map((w) => held(findings, w));
    expect(decisions(video)).toEqual(decisions(still.findings));

    // The name in the banner: both gates hold each of its words, and the still is quarantined for it.
    const name = words.filter((w) => w.box.y + w.box.height <= BANNER_HEIGHT);
    expect(name.length).toBe(2);
    for (const w of name) expect([held(still.findings, w), held(video, w)]).toEqual([true, true]);
    expect(still.status).toBe('quarantine');

    // Texture words OCR is sure enough of and that are long enough (the video gate held these
    // before it had the glyph rule), but only tens of grey levels deep: neither gate holds them.
    const texture = words.filter((w) => w.confidence >= defaultPixelPolicy.minConfidence && w.characters >= defaultPixelPolicy.minCharacters && glyphContrast(frame, w.box) < 80);
    expect(texture.length).toBeGreaterThanOrEqual(5);
    for (const w of texture) expect([held(still.findings, w), held(video, w)]).toEqual([false, false]);
    // And each finding reads the same in both records: frame, box and confidence, never the text.
    expect(video).toEqual(still.findings.map((f) => ({ stage: 'pixel', ...f })));
    expect(video.length).toBe(name.length);
  });
});
