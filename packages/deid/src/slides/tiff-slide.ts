import { entryNumbers, entryText, readTiff, TIFF_TAG, type TiffEntry, type TiffImage, writeTiff } from '@delineate/formats';
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
function blockSamples(source: Uint8Array, image: TiffImage): Uint8Array[] {
  return image.blocks
    .filter((b) => b.length >= 64)
    .map((b) => {
      const start = b.offset + Math.floor(b.length / 2) - 16;
      return source.subarray(start, start + 32);
    });
}

function residualCount(output: Uint8Array, values: readonly string[], samples: readonly Uint8Array[], metadata: string): { values: number; blocks: number } {
  const buffer = Buffer.from(output.buffer, output.byteOffset, output.byteLength);
  const lowerMetadata = metadata.toLowerCase();
  let valueHits = 0;
  for (const v of new Set(values.map((x) => x.trim()).filter((x) => x.length >= 3))) {
    // Short values are only looked for in the metadata text: in compressed tiles they would match by chance.
    if (lowerMetadata.includes(v.toLowerCase()) || (v.length >= 6 && buffer.includes(v, 0, 'latin1'))) valueHits++;
  }
  const blockHits = samples.filter((s) => buffer.includes(Buffer.from(s.buffer, s.byteOffset, s.byteLength))).length;
  return { values: valueHits, blocks: blockHits };
}

function metadataText(bytes: Uint8Array): string {
  const file = readTiff(bytes);
  return file.images.flatMap((im) => im.entries.flatMap(asciiValues)).join('\n');
}

/**
 * De-identifies an SVS or other TIFF-based slide by rewriting it: label and macro images are
 * left out (their strips and tiles are not copied), every kept image keeps only structural
 * tags, and an Aperio ImageDescription keeps only its geometry and allowlisted numeric fields
 * (MPP, AppMag…). The output is then re-read and checked: no removed value and no sample of a
 * removed image may appear in it, else the result is quarantined.
 */
export function scrubTiffSlide(bytes: Uint8Array): SlideScrubResult {
  const file = readTiff(bytes);
  const first = file.images[0];
  const aperio = first !== undefined && isAperioDescription(entryText(first, TIFF_TAG.ImageDescription) ?? '');
  const removedImages: { index: number; kind: AssociatedImageKind }[] = [];
  const metadataActions: { image: number; tag: string; action: 'removed' | 'rewritten' }[] = [];
  const identifying: string[] = [];
  const samples: Uint8Array[] = [];
  let stain: string | undefined;
  const make = first ? entryText(first, TIFF_TAG.Make) : undefined;
  const model = first ? entryText(first, TIFF_TAG.Model) : undefined;

  const kept = file.images.flatMap((image, index) => {
    const kind = associatedImageKind(image);
    if (kind) {
      removedImages.push({ index, kind });
      samples.push(...blockSamples(bytes, image));
      for (const entry of image.entries) {
        if (entry.tag === TIFF_TAG.ImageDescription && typeof entry.value === 'string') {
          if (isAperioDescription(entry.value)) identifying.push(...scrubAperioDescription(entry.value).removedValues);
        } else if (!notIdentifying.has(entry.tag)) identifying.push(...asciiValues(entry));
      }
      return [];
    }
    const entries: TiffEntry[] = [];
    for (const entry of image.entries) {
      if (entry.tag === TIFF_TAG.ImageDescription && typeof entry.value === 'string' && isAperioDescription(entry.value)) {
        const scrubbed = scrubAperioDescription(entry.value);
        stain ??= scrubbed.stain;
        identifying.push(...scrubbed.removedValues);
        entries.push({ ...entry, value: scrubbed.text });
        if (scrubbed.text !== entry.value) metadataActions.push({ image: index, tag: 'ImageDescription', action: 'rewritten' });
        continue;
      }
      if (structuralTags.has(entry.tag) || [273, 279, 324, 325].includes(entry.tag)) {
        entries.push(entry);
        continue;
      }
      if (!notIdentifying.has(entry.tag)) identifying.push(...asciiValues(entry));
      metadataActions.push({ image: index, tag: tagNames[entry.tag] ?? String(entry.tag), action: 'removed' });
    }
    const blocks = image.blocks.map((b) => bytes.subarray(b.offset, b.offset + b.length));
    return [{ entries, blocks, tiled: image.tiled }];
  });

  const output = writeTiff(kept, { bigTiff: file.bigTiff });
  const residual = residualCount(output, identifying, samples, metadataText(output));
  const findings: SlideScrubFinding[] = [];
  if (residual.values > 0) findings.push({ kind: 'residual-identifying-value', count: residual.values });
  if (residual.blocks > 0) findings.push({ kind: 'residual-associated-image', count: residual.blocks });
  if (kept.length === 0) findings.push({ kind: 'no-image-left', count: 0 });
  const scanner = [make, model].filter((v): v is string => !!v && v.trim().length > 0).join(' ') || (aperio ? 'Aperio' : undefined);
  return {
    status: findings.length > 0 ? 'quarantined' : 'passed',
    bytes: output,
    format: aperio ? 'aperio-svs' : 'tiff',
    imagesKept: kept.length,
    removedImages,
    metadataActions,
    composition: { ...(stain ? { stain } : {}), ...(scanner ? { scanner } : {}) },
    findings,
  };
}
