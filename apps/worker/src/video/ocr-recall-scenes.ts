import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandom } from '@delineate/core';
import { toGreyImage, type GreyImage, type PixelRect } from '@delineate/deid';
import { decodePixels, loadWasmCodecs, readPixelSource } from '@delineate/formats';
import { runTool } from './ffmpeg';
import { OVERLAY_FONT } from './synthetic-clip';

/** A real image (or a crop of one) the recall harness burns text into. */
export interface Background {
  readonly name: string;
  readonly image: GreyImage;
}

/** One burned-in name: what it says, how it is drawn, and where it landed (the ink's bounding box). */
export interface BurnedInScene {
  readonly background: string;
  readonly text: string;
  readonly fontSize: number;
  readonly ink: number;
  readonly onBanner: boolean;
  readonly box: PixelRect;
  readonly image: GreyImage;
}

function crop(image: GreyImage, r: PixelRect): GreyImage {
  const data = new Uint8Array(r.width * r.height);
  for (let y = 0; y < r.height; y++) data.set(image.data.subarray((r.y + y) * image.width + r.x, (r.y + y) * image.width + r.x + r.width), y * r.width);
  return { width: r.width, height: r.height, data };
}

/** Nearest-neighbour enlargement: a 128² CT slice as a viewer's screen capture shows it. */
function enlarge(image: GreyImage, factor: number): GreyImage {
  const width = image.width * factor;
  const height = image.height * factor;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = image.data[Math.floor(y / factor) * image.width + Math.floor(x / factor)]!;
  return { width, height, data };
}

/** The shared real images, as the gate's grey rendering shows them: fundus, endoscopy, ultrasound and CT. */
export async function loadBackgrounds(testData: (path: string) => string): Promise<Background[]> {
  await loadWasmCodecs();
  const grey = async (path: string) => toGreyImage(decodePixels(readPixelSource(new Uint8Array(await readFile(testData(path))))!), 0);
  const fundus = await grey('dicom/wg04/VL4_fundus_j2k.dcm');
  const endoscopy = await grey('dicom/wg04/VL1_endoscopy_esophagus.dcm');
  const ultrasound = await grey('dicom/pydicom-data/US1_UNCR.dcm');
  const ct = await grey('dicom/highdicom/ct_image.dcm');
  return [
    { name: 'fundus (disc)', image: crop(fundus, { x: 1000, y: 40, width: 640, height: 400 }) },
    { name: 'fundus (macula)', image: crop(fundus, { x: 500, y: 800, width: 640, height: 400 }) },
    // The still's own burned-in text runs down its left side: the crop keeps to the scope's view.
    { name: 'endoscopy', image: crop(endoscopy, { x: 260, y: 60, width: 460, height: 380 }) },
    // Its caption ("LYMPH NODE", real burned-in text) sits below the scan: the crop stops above it.
    { name: 'ultrasound', image: crop(ultrasound, { x: 80, y: 80, width: 480, height: 260 }) },
    { name: 'CT slice', image: enlarge(ct, 3) },
  ];
}

/** The core's seeded generator (mulberry32), so every run draws the same scenes. */
export function seeded(seed: number): () => number {
  const random = seededRandom(seed);
  return () => random.next();
}

const FIRST = ['JANE', 'John', 'MARIA', 'Peter', 'AHMED', 'Li', 'Olga', 'SAMUEL'];
const LAST = ['DOE', 'Smith', 'KOWALSKI', 'Nguyen', 'OKAFOR', 'Berg', 'MARTINEZ', 'Haas'];

/** A name-like line: a name, a name with an MRN, or a name with a date of birth. */
export function nameLike(random: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const name = `${pick(FIRST)} ${pick(LAST)}`;
  const form = Math.floor(random() * 3);
  if (form === 0) return name;
  if (form === 1) return `${name} ${digits(7)}`;
  return `${pick(LAST)} ${String(1 + Math.floor(random() * 28)).padStart(2, '0')}.${String(1 + Math.floor(random() * 12)).padStart(2, '0')}.19${digits(2)}`;
}

/** The text's coverage (0–1) at each pixel, drawn by ffmpeg's drawtext in the overlay font. */
async function inkCoverage(work: string, width: number, height: number, text: string, x: number, y: number, fontSize: number): Promise<Float32Array> {
  const out = join(work, 'ink.gray');
  const draw = `drawtext=fontfile=${OVERLAY_FONT}:text='${text}':x=${x}:y=${y}:fontsize=${fontSize}:fontcolor=white`;
  await runTool('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=black:s=${width}x${height}`, '-frames:v', '1', '-vf', `format=gray,${draw}`, '-f', 'rawvideo', '-pix_fmt', 'gray', out]);
  // ffmpeg's grey is video range (16–235).
  return Float32Array.from(await readFile(out), (v) => Math.min(1, Math.max(0, (v - 16) / 219)));
}

function inkBox(coverage: Float32Array, width: number): PixelRect {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  coverage.forEach((c, i) => {
    if (c < 0.3) return;
    const x = i % width, y = Math.floor(i / width);
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  });
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

export interface SceneSpec {
  readonly text: string;
  readonly fontSize: number;
  /** Grey level of the glyphs: white, black or a yellow's luminance. */
  readonly ink: number;
  readonly onBanner: boolean;
  /** Top-left of the text, as fractions of the free room in each direction. */
  readonly at: { readonly x: number; readonly y: number };
}

/** Burns one line into a background: on a banner (a flat band in the opposite polarity) or straight over the picture. */
export async function burnIn(work: string, background: Background, spec: SceneSpec): Promise<BurnedInScene> {
  const { width, height } = background.image;
  const textWidth = Math.ceil(spec.text.length * spec.fontSize * 0.61);
  const x = Math.round(4 + spec.at.x * Math.max(0, width - textWidth - 8));
  const y = Math.round(4 + spec.at.y * Math.max(0, height - spec.fontSize * 1.4 - 8));
  const coverage = await inkCoverage(work, width, height, spec.text, x, y, spec.fontSize);
  const box = inkBox(coverage, width);
  const data = Uint8Array.from(background.image.data);
  if (spec.onBanner) {
    const band = spec.ink > 127 ? 0 : 255;
    const top = Math.max(0, box.y - 6);
    const bottom = Math.min(height, box.y + box.height + 6);
    data.fill(band, top * width, bottom * width);
  }
  for (let i = 0; i < data.length; i++) data[i] = Math.round(data[i]! * (1 - coverage[i]!) + spec.ink * coverage[i]!);
  return { background: background.name, text: spec.text, fontSize: spec.fontSize, ink: spec.ink, onBanner: spec.onBanner, box, image: { width, height, data } };
}

/** The fixed set of scenes: every background gets every ink and both placements, at sizes from 8 to 22 px. */
export function sceneSpecs(seed: number, perBackground: number): SceneSpec[] {
  const random = seeded(seed);
  const inks = [255, 0, 200];
  const sizes = [8, 10, 12, 14, 16, 18, 22];
  return Array.from({ length: perBackground }, (_, i) => ({
    text: nameLike(random),
    fontSize: sizes[Math.floor(random() * sizes.length)]!,
    ink: inks[i % inks.length]!,
    onBanner: i % 2 === 0,
    at: { x: random(), y: random() },
  }));
}
