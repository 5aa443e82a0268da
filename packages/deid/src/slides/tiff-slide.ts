import { closeSync, openSync, writeSync } from 'node:fs';
import { bytesSource, entryNumbers, fileByteSource, entryText, readTiff, TIFF_TAG, writeTiff, writeTiffTo, type ByteSource, type TiffBlock, type TiffEntry, type TiffImage, type TiffImageToWrite } from '@delineate/formats';
import type { SlideComposition } from '../pipeline-types';
import { isAperioDescription, scrubAperioDescription } from './aperio-description';

/**
 * Tags a slide reader needs (geometry, compression, colour, tiling) and that identify no one.
 * Every other tag is dropped: DocumentName, DateTime, Artist, HostComputer, Software,
 * Copyright, XMP, IPTC, Photoshop, EXIF and GPS directories, SubIFDs, private tags…
 */
const structuralTags = new Set<number>([
  254, 255, 256, 257, 258, 259, 262, 266, 271, 272, 274, 277, 278, 282, 283, 284, 286, 287, 290, 291, 296, 317, 318, 319, 320, 321, 322, 323, 338,
  339, 340, 341, 347, 529, 530, 531, 532, 32997, 32998, 34675,
]);

/** Removed for safety but naming software, not people: not looked for in the output. */
const notIdentifying = new Set<number>([...structuralTags, 305]);

const tagNames: Record<number, string> = {
  269: 'DocumentName',
  270: 'ImageDescription',
  285: 'PageName',
  305: 'Software',
  306: 'DateTime',
  315: 'Artist',
  316: 'HostComputer',
  330: 'SubIFDs',
  700: 'XMP',
  33432: 'Copyright',
  33723: 'IPTC',
  34377: 'Photoshop',
  34665: 'ExifIFD',
  34853: 'GPSIFD',
};

export type AssociatedImageKind = 'label' | 'macro';

export interface SlideScrubFinding {
  readonly kind: 'residual-identifying-value' | 'residual-associated-image' | 'no-image-left';
  readonly count: number;
  /** Where the residue is, never what: "ifd[0].ImageDescription", "ifd[2] image data", "file structure". */
  readonly where?: string;
}

export interface SlideScrubResult {
  readonly status: 'passed' | 'quarantined';
  readonly bytes: Uint8Array;
  readonly format: 'aperio-svs' | 'tiff';
  readonly imagesKept: number;
  readonly removedImages: readonly { readonly index: number; readonly kind: AssociatedImageKind }[];
  /** Per kept image: the tags removed or rewritten (names or numbers, never values). */
  readonly metadataActions: readonly { readonly image: number; readonly tag: string; readonly action: 'removed' | 'rewritten' }[];
  readonly composition: SlideComposition;
  readonly findings: readonly SlideScrubFinding[];
}

/** The kind of associated image an IFD holds (label or macro), from its description or NDPI lens tag. */
export function associatedImageKind(image: TiffImage): AssociatedImageKind | undefined {
  const description = entryText(image, TIFF_TAG.ImageDescription) ?? '';
  // Aperio names the image on a header line ("label 387x463"); fields after '|' are values, not names.
  const header = isAperioDescription(description) ? (description.split('|')[0] ?? '') : description;
  for (const line of header.split(/\r?\n|;/)) {
    const m = /^\s*(label|macro|overview)\b/i.exec(line);
    if (m) return m[1]?.toLowerCase() === 'label' ? 'label' : 'macro';
  }
  if (/\blabel[ _]image\b/i.test(header)) return 'label';
  if (/\b(macro|overview)[ _]image\b/i.test(header)) return 'macro';
  // Hamamatsu NDPI: SourceLens -1 is the macro photograph.
  if (entryNumbers(image, 65421)[0] === -1) return 'macro';
  return undefined;
}

function asciiValues(entry: TiffEntry): string[] {
  if (typeof entry.value === 'string') return [entry.value];
  if (entry.value instanceof Uint8Array) {
    // Embedded XML/EXIF/IPTC: take its printable runs as the values to look for.
    return (new TextDecoder('latin1').decode(entry.value).match(/[\x20-\x7e]{6,}/g) ?? []).slice(0, 1000);
  }
  return [];
}

/** Sample bytes of each removed strip or tile: high-entropy, so finding one again means a leak. */
function blockSamples(source: ByteSource, image: TiffImage): Uint8Array[] {
  return image.blocks.filter((b) => b.length >= 64).map((b) => source.read(b.offset + Math.floor(b.length / 2) - 16, 32).slice());
}

/** What is searched for in the output: removed values and samples of removed images. */
interface Needles {
  readonly values: readonly string[];
  readonly samples: readonly Uint8Array[];
}

/**
 * Counts removed values and image samples found again. Values of 3+ characters are looked for
 * (case-insensitively) in the output's metadata text; values of 6+ characters and the samples
 * in every output byte, read chunk by chunk with an overlap so nothing straddles unseen.
 */
function residualCount(output: ByteSource, needles: Needles): { values: number; blocks: number; where: string[] } {
  const images = readTiff(output).images;
  const values = [...new Set(needles.values.map((x) => x.trim()).filter((x) => x.length >= 3))];
  const hitValues = new Set<string>();
  const where = new Set<string>();
  images.forEach((image, index) => {
    for (const entry of image.entries) {
      const text = asciiValues(entry).join('\n').toLowerCase();
      for (const value of values) {
        if (!text.includes(value.toLowerCase())) continue;
        hitValues.add(value);
        where.add(`ifd[${index}].${tagNames[entry.tag] ?? String(entry.tag)}`);
      }
    }
  });
  // A hit in the bytes is named by the image whose strip or tile holds it.
  const locate = (position: number): string => {
    const index = images.findIndex((image) => image.blocks.some((b) => position >= b.offset && position < b.offset + b.length));
    return index >= 0 ? `ifd[${index}] image data` : 'file structure';
  };
  const longValues = values.filter((v) => v.length >= 6);
  const long = longValues.map((v) => Buffer.from(v, 'latin1'));
  const samples = needles.samples.map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength));
  const hitSamples = new Set<number>();
  const overlap = Math.max(32, ...long.map((v) => v.length)) - 1;
  const chunk = 32 * 1024 * 1024;
  for (let offset = 0; offset < output.length; offset += chunk) {
    const piece = output.read(offset, Math.min(chunk + overlap, output.length - offset));
    const buffer = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    long.forEach((v, i) => {
      const at = buffer.indexOf(v);
      if (at < 0) return;
      const value = longValues[i] ?? '';
      if (!hitValues.has(value)) where.add(locate(offset + at));
      hitValues.add(value);
    });
    samples.forEach((sample, i) => {
      const at = buffer.indexOf(sample);
      if (at < 0) return;
      hitSamples.add(i);
      where.add(locate(offset + at));
    });
  }
  return { values: hitValues.size, blocks: hitSamples.size, where: [...where] };
}

interface ScrubPlan {
  readonly bigTiff: boolean;
  readonly kept: TiffImageToWrite[];
  readonly needles: Needles;
  readonly removedImages: { index: number; kind: AssociatedImageKind }[];
  readonly metadataActions: { image: number; tag: string; action: 'removed' | 'rewritten' }[];
  readonly composition: SlideComposition;
  readonly aperio: boolean;
}

function planScrub(source: ByteSource): ScrubPlan {
  const file = readTiff(source);
  const first = file.images[0];
  const aperio = first !== undefined && isAperioDescription(entryText(first, TIFF_TAG.ImageDescription) ?? '');
  const removedImages: { index: number; kind: AssociatedImageKind }[] = [];
  const metadataActions: { image: number; tag: string; action: 'removed' | 'rewritten' }[] = [];
  const values: string[] = [];
  const samples: Uint8Array[] = [];
  let stain: string | undefined;
  const make = first ? entryText(first, TIFF_TAG.Make) : undefined;
  const model = first ? entryText(first, TIFF_TAG.Model) : undefined;

  const kept = file.images.flatMap((image, index): TiffImageToWrite[] => {
    const kind = associatedImageKind(image);
    if (kind) {
      removedImages.push({ index, kind });
      samples.push(...blockSamples(source, image));
      for (const entry of image.entries) {
        if (entry.tag === TIFF_TAG.ImageDescription && typeof entry.value === 'string') {
          if (isAperioDescription(entry.value)) values.push(...scrubAperioDescription(entry.value).removedValues);
        } else if (!notIdentifying.has(entry.tag)) values.push(...asciiValues(entry));
      }
      return [];
    }
    const entries: TiffEntry[] = [];
    for (const entry of image.entries) {
      if (entry.tag === TIFF_TAG.ImageDescription && typeof entry.value === 'string' && isAperioDescription(entry.value)) {
        const scrubbed = scrubAperioDescription(entry.value);
        stain ??= scrubbed.stain;
        values.push(...scrubbed.removedValues);
        entries.push({ ...entry, value: scrubbed.text });
        if (scrubbed.text !== entry.value) metadataActions.push({ image: index, tag: 'ImageDescription', action: 'rewritten' });
        continue;
      }
      if (structuralTags.has(entry.tag) || [273, 279, 324, 325].includes(entry.tag)) {
        entries.push(entry);
        continue;
      }
      if (!notIdentifying.has(entry.tag)) values.push(...asciiValues(entry));
      metadataActions.push({ image: index, tag: tagNames[entry.tag] ?? String(entry.tag), action: 'removed' });
    }
    const blocks: TiffBlock[] = image.blocks.map((b) => ({ length: b.length, bytes: () => source.read(b.offset, b.length) }));
    return [{ entries, blocks, tiled: image.tiled }];
  });
  const scanner = [make, model].filter((v): v is string => !!v && v.trim().length > 0).join(' ') || (aperio ? 'Aperio' : undefined);
  return {
    bigTiff: file.bigTiff,
    kept,
    needles: { values, samples },
    removedImages,
    metadataActions,
    composition: { ...(stain ? { stain } : {}), ...(scanner ? { scanner } : {}) },
    aperio,
  };
}

function verdict(plan: ScrubPlan, output: ByteSource): Omit<SlideScrubResult, 'bytes'> {
  const residual = residualCount(output, plan.needles);
  const findings: SlideScrubFinding[] = [];
  const where = residual.where.join('; ');
  if (residual.values > 0) findings.push({ kind: 'residual-identifying-value', count: residual.values, where });
  if (residual.blocks > 0) findings.push({ kind: 'residual-associated-image', count: residual.blocks, where });
  if (plan.kept.length === 0) findings.push({ kind: 'no-image-left', count: 0 });
  return {
    status: findings.length > 0 ? 'quarantined' : 'passed',
    format: plan.aperio ? 'aperio-svs' : 'tiff',
    imagesKept: plan.kept.length,
    removedImages: plan.removedImages,
    metadataActions: plan.metadataActions,
    composition: plan.composition,
    findings,
  };
}

/**
 * De-identifies an SVS or other TIFF-based slide by rewriting it: label and macro images are
 * left out (their strips and tiles are not copied), every kept image keeps only structural
 * tags, and an Aperio ImageDescription keeps only its geometry and allowlisted numeric fields
 * (MPP, AppMag…). The output is then re-read and checked: no removed value and no sample of a
 * removed image may appear in it, else the result is quarantined.
 */
export function scrubTiffSlide(bytes: Uint8Array): SlideScrubResult {
  const plan = planScrub(bytesSource(bytes));
  const output = writeTiff(plan.kept, { bigTiff: plan.bigTiff });
  return { ...verdict(plan, bytesSource(output)), bytes: output };
}

/**
 * {@link scrubTiffSlide} from file to file, for slides too large for memory: strips and tiles
 * are copied one at a time and the verification reads the output back in chunks.
 */
export function scrubTiffSlideFile(inputPath: string, outputPath: string): Omit<SlideScrubResult, 'bytes'> & { readonly outputBytes: number } {
  const input = openSync(inputPath, 'r');
  try {
    const plan = planScrub(fileByteSource(input));
    const out = openSync(outputPath, 'w');
    let written = 0;
    try {
      written = writeTiffTo(plan.kept, (chunk) => {
        let done = 0;
        while (done < chunk.length) done += writeSync(out, chunk, done, chunk.length - done);
      }, { bigTiff: plan.bigTiff });
    } finally {
      closeSync(out);
    }
    const check = openSync(outputPath, 'r');
    try {
      return { ...verdict(plan, fileByteSource(check)), outputBytes: written };
    } finally {
      closeSync(check);
    }
  } finally {
    closeSync(input);
  }
}

/** What {@link gateConvertedSlide} checks a converted pyramid against. */
export interface ConvertedSlideGate {
  /** The TIFF-based source (SVS, NDPI, tiled TIFF): its label and macro images and every IFD's text are what must not reappear. */
  readonly source?: string;
  /** Identifying values read from a source that is not a TIFF (DICOM attributes, MIRAX slide data). */
  readonly sourceValues?: readonly string[];
  /** The pyramid vips wrote. */
  readonly converted: string;
  /** Where the gated pyramid is written: the converted one with only structural tags kept. */
  readonly output: string;
}

/**
 * The slide gate on both sides of a conversion. The source is read for what it must not pass
 * on: its label and macro images (reported as removed: the conversion reads only the main
 * image) and the text of every IFD (NDPI repeats its reference in each). The converted pyramid
 * is then rewritten keeping only structural tags, and the result searched, metadata and every
 * byte, for those values and samples of those images; anything found quarantines it.
 */
export function gateConvertedSlide(gate: ConvertedSlideGate): Omit<SlideScrubResult, 'bytes'> & { readonly outputBytes: number } {
  let sourcePlan: ScrubPlan | undefined;
  if (gate.source) {
    const input = openSync(gate.source, 'r');
    try {
      sourcePlan = planScrub(fileByteSource(input));
    } finally {
      closeSync(input);
    }
  }
  const converted = openSync(gate.converted, 'r');
  try {
    const plan = planScrub(fileByteSource(converted));
    const merged: ScrubPlan = {
      ...plan,
      needles: {
        values: [...(sourcePlan?.needles.values ?? []), ...(gate.sourceValues ?? []), ...plan.needles.values],
        samples: [...(sourcePlan?.needles.samples ?? []), ...plan.needles.samples],
      },
      removedImages: [...(sourcePlan?.removedImages ?? []), ...plan.removedImages],
      composition: sourcePlan?.composition ?? plan.composition,
      aperio: false,
    };
    const out = openSync(gate.output, 'w');
    let written = 0;
    try {
      written = writeTiffTo(merged.kept, (chunk) => {
        let done = 0;
        while (done < chunk.length) done += writeSync(out, chunk, done, chunk.length - done);
      }, { bigTiff: true });
    } finally {
      closeSync(out);
    }
    const check = openSync(gate.output, 'r');
    try {
      return { ...verdict(merged, fileByteSource(check)), outputBytes: written };
    } finally {
      closeSync(check);
    }
  } finally {
    closeSync(converted);
  }
}
