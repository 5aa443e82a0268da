import type { OctBoundary } from '@delineate/core';
import { entryNumbers, readTiff, TIFF_TAG } from '../pixel/tiff';
import { emptyHeyexBoundaries, heyexLineBoundary, type HeyexExport, invalidHeyex, putHeyexLine } from './heyex-export';

const BITS_PER_SAMPLE = 258;

/** The first `<name>…</name>` inside `xml`, trimmed; undefined when absent. */
function element(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml);
  return match?.[1]?.trim();
}

function elements(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => m[1]!);
}

function number(xml: string, name: string): number {
  const value = Number(element(xml, name));
  if (!Number.isFinite(value)) invalidHeyex(`The Heyex XML lacks a numeric ${name}`);
  return value;
}

function date(xml: string | undefined): string {
  if (!xml) return '';
  const [y, m, d] = ['Year', 'Month', 'Day'].map((k) => element(xml, k) ?? '');
  return /^\d{4}$/.test(y!) && /^\d{1,2}$/.test(m!) && /^\d{1,2}$/.test(d!) ? `${y}${m!.padStart(2, '0')}${d!.padStart(2, '0')}` : '';
}

/** The file name at the end of an ExamURL (`file:///\\server\folder\B1.tif`). */
function fileName(image: string): string {
  const url = element(image, 'ExamURL') ?? invalidHeyex('A Heyex XML image names no file');
  return url.split(/[\\/]/).pop()!;
}

/** An uncompressed 8-bit greyscale TIFF (as Heyex exports B-scans and localizers) as its pixels. */
function greyTiff(bytes: Uint8Array, width: number, height: number): Uint8Array {
  const image = readTiff(bytes).images[0] ?? invalidHeyex('A Heyex TIFF holds no image');
  const compression = entryNumbers(image, TIFF_TAG.Compression)[0] ?? 1;
  const bits = entryNumbers(image, BITS_PER_SAMPLE)[0] ?? 1;
  if (compression !== 1 || bits !== 8 || entryNumbers(image, TIFF_TAG.ImageWidth)[0] !== width || entryNumbers(image, TIFF_TAG.ImageLength)[0] !== height) {
    invalidHeyex('A Heyex TIFF is not an uncompressed 8-bit image of the size its XML gives');
  }
  const pixels = new Uint8Array(width * height);
  let at = 0;
  for (const block of image.blocks) {
    const length = Math.min(block.length, pixels.length - at);
    if (block.offset + length > bytes.length) invalidHeyex('A Heyex TIFF ends inside its pixels');
    pixels.set(bytes.subarray(block.offset, block.offset + length), at);
    at += length;
  }
  if (at !== pixels.length) invalidHeyex('A Heyex TIFF holds fewer pixels than its size');
  return pixels;
}

/**
 * Reads a Heidelberg Heyex XML export: the XML (patient, series, one `<Image>` per localizer and
 * per B-scan with its scales, its line on the localizer in mm and its segmentation lines) and
 * the TIFF files it names, given by `file(name)`.
 */
export function readHeyexXml(xml: string, file: (name: string) => Uint8Array | undefined): HeyexExport {
  if (!xml.includes('<HEDX>')) invalidHeyex('Not a Heyex XML export (no HEDX element)');
  const patient = element(xml, 'Patient') ?? invalidHeyex('The Heyex XML has no Patient');
  const images = elements(xml, 'Image');
  const localizerXml = images.find((image) => element(element(image, 'ImageType') ?? '', 'Type') === 'LOCALIZER') ?? invalidHeyex('The Heyex XML has no localizer image');
  const octs = images.filter((image) => element(element(image, 'ImageType') ?? '', 'Type') === 'OCT');
  const first = octs[0] ?? invalidHeyex('The Heyex XML has no OCT B-scan');
  const laterality = element(first, 'Laterality');
  if (laterality !== 'R' && laterality !== 'L') invalidHeyex('The Heyex XML names no eye (R or L)');
  const ascans = number(first, 'Width');
  const rows = number(first, 'Height');
  const point = (image: string, which: 'Start' | 'End') => {
    const coord = element(element(image, which) ?? '', 'Coord') ?? invalidHeyex(`A Heyex B-scan has no ${which} coordinate`);
    return [number(coord, 'Y'), number(coord, 'X')] as const;
  };
  const localizerContext = element(localizerXml, 'OphthalmicAcquisitionContext') ?? invalidHeyex('The localizer has no acquisition context');
  const sloScale = number(localizerContext, 'ScaleX');
  const starts = octs.map((image) => point(image, 'Start'));
  const bscanSpacingMm = octs.length > 1 ? Math.hypot(starts[1]![0] - starts[0]![0], starts[1]![1] - starts[0]![1]) : number(first, 'ScaleX');
  const geometry = {
    bscans: octs.length,
    ascans,
    rows,
    ascanSpacingUm: number(first, 'ScaleX') * 1000,
    bscanSpacingUm: bscanSpacingMm * 1000,
    axialUmPerPixel: number(first, 'ScaleY') * 1000,
    laterality: laterality === 'R' ? 'OD' : 'OS',
  } as const;
  if (!(geometry.bscanSpacingUm > 0)) invalidHeyex('The Heyex B-scans do not step across the fundus');
  const boundaries = emptyHeyexBoundaries(geometry);
  const segmented = new Set<OctBoundary>();
  const pixels = new Uint8Array(geometry.bscans * rows * ascans);
  octs.forEach((image, s) => {
    if (number(image, 'Width') !== ascans || number(image, 'Height') !== rows) invalidHeyex('The Heyex B-scans differ in size');
    const bytes = file(fileName(image)) ?? invalidHeyex('A B-scan TIFF named in the Heyex XML is missing');
    pixels.set(greyTiff(bytes, ascans, rows), s * rows * ascans);
    for (const line of elements(image, 'SegLine')) {
      const boundary = heyexLineBoundary[element(line, 'Name') ?? ''];
      if (!boundary) continue;
      const heights = (element(line, 'Array') ?? '').split(/\s+/).filter(Boolean).map(Number);
      if (heights.length !== ascans) invalidHeyex('A Heyex segmentation line does not have one height per A-scan');
      putHeyexLine(boundaries, boundary, s, heights);
      segmented.add(boundary);
    }
  });
  const width = number(localizerContext, 'Width');
  const height = number(localizerContext, 'Height');
  const localizerBytes = file(fileName(localizerXml)) ?? invalidHeyex('The localizer TIFF named in the Heyex XML is missing');
  const toPixels = (p: readonly [number, number]) => [p[0] / sloScale, p[1] / sloScale] as const;
  return {
    geometry,
    bscans: pixels,
    localizer: { width, height, pixelUm: sloScale * 1000, pixels: greyTiff(localizerBytes, width, height) },
    frameLines: octs.map((image) => ({ start: toPixels(point(image, 'Start')), end: toPixels(point(image, 'End')) })),
    identity: {
      patientName: [element(patient, 'LastName'), element(patient, 'FirstNames')].filter(Boolean).join('^'),
      patientId: element(patient, 'PatientID') ?? '',
      birthDate: date(element(patient, 'Birthdate')),
      sex: '',
      studyDate: date(element(element(patient, 'StudyDate') ?? '', 'Date') ?? element(patient, 'StudyDate')) || '19000101',
      manufacturer: element(xml, 'Manufacturer') ?? 'Heidelberg Engineering',
      model: element(xml, 'ManufacturerModelName') ?? 'Spectralis',
    },
    boundaries,
    segmented: [...segmented],
  };
}
