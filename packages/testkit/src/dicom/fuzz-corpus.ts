import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, deflateRawSync } from 'node:zlib';
import { seededRandom } from '@delineate/core';
import { DicomDataset, encodeString, setString, transferSyntaxes, walkDicom, writeDicomFile, type DicomFile } from '@delineate/formats';

/**
 * The DICOM fuzz corpus: malformed, hostile and identifying files the gate (`deid`, `ingest`)
 * must survive with a coded answer, bounded memory and no identifying value in any output.
 * Generated deterministically from the project's DICOM writer, small (a few hundred kilobytes,
 * the bomb included: it is small compressed and claims gigabytes).
 */

/** Every identifying value planted in the corpus contains this; none may appear in any output. */
export const FUZZ_MARKER = 'ZZFUZZ';

export const fuzzMarkers = {
  patientName: 'ZZFUZZ^MARKER',
  patientId: 'ZZFUZZ-4711',
  otherName: 'ZZFUZZ^NESTED^DEEP',
  institution: 'ZZFUZZ Memorial Hospital',
  privateText: 'ZZFUZZ private note',
  comment: 'seen by ZZFUZZ on ward 3',
  stationAe: 'ZZFUZZAE',
  accession: 'ZZFUZZACC1',
} as const;

export type FuzzClass =
  | 'valid'
  | 'truncation'
  | 'length-field'
  | 'deep-sequence'
  | 'wrong-transfer-syntax'
  | 'decompression-bomb'
  | 'huge-geometry'
  | 'non-dicom'
  | 'identifying-odd-place';

export interface FuzzCase {
  /** File name inside the corpus folder (unique). */
  readonly name: string;
  readonly kind: FuzzClass;
  readonly bytes: Uint8Array;
}

const CT = '1.2.840.10008.5.1.4.1.1.2';
const US_MULTIFRAME = '1.2.840.10008.5.1.4.1.1.3.1';
const SR = '1.2.840.10008.5.1.4.1.1.88.11';
const us = (n: number, little = true): Uint8Array => (little ? Uint8Array.of(n & 0xff, n >> 8) : Uint8Array.of(n >> 8, n & 0xff));

function item(build: (ds: DicomDataset) => void): DicomDataset {
  const ds = new DicomDataset(true);
  build(ds);
  return ds;
}

interface ImageOptions {
  readonly index: number;
  readonly modality?: string;
  readonly sopClass?: string;
  readonly rows?: number;
  readonly columns?: number;
  readonly frames?: number;
  readonly bitsAllocated?: number;
  /** Pixel Data: native bytes, encapsulated frames, or none. */
  readonly pixels?: Uint8Array | { readonly fragments: readonly Uint8Array[] } | null;
  readonly littleEndian?: boolean;
}

/** A small image with identifying values in the usual places and in odd ones (nested, private, UN, text). */
function imageDataset(o: ImageOptions): DicomDataset {
  const little = o.littleEndian ?? true;
  const ds = new DicomDataset(little);
  const s = (t: number, vr: string, v: string) => setString(ds, t, vr, v);
  const rows = o.rows ?? 16;
  const columns = o.columns ?? 16;
  const bits = o.bitsAllocated ?? 16;
  s(0x00080016, 'UI', o.sopClass ?? CT);
  s(0x00080018, 'UI', `1.2.826.0.1.3680043.9.7781.1.${o.index}`);
  s(0x00080020, 'DA', '20200101');
  s(0x00080050, 'SH', fuzzMarkers.accession);
  s(0x00080060, 'CS', o.modality ?? 'CT');
  s(0x00080080, 'LO', fuzzMarkers.institution);
  s(0x00081010, 'SH', 'ZZFUZZST');
  s(0x00100010, 'PN', fuzzMarkers.patientName);
  s(0x00100020, 'LO', fuzzMarkers.patientId);
  s(0x00100030, 'DA', '19500101');
  s(0x0020000d, 'UI', `1.2.826.0.1.3680043.9.7781.2.${o.index}`);
  s(0x0020000e, 'UI', `1.2.826.0.1.3680043.9.7781.3.${o.index}`);
  s(0x00204000, 'LT', fuzzMarkers.comment);
  // Identifying values two levels down in a standard sequence, and in a private block.
  ds.set({
    tag: 0x00081140,
    vr: 'SQ',
    items: [item((i) => {
      setString(i, 0x00081150, 'UI', CT);
      setString(i, 0x00081155, 'UI', '1.2.826.0.1.3680043.9.7781.9.1');
      i.set({ tag: 0x00081120, vr: 'SQ', items: [item((k) => setString(k, 0x00100010, 'PN', fuzzMarkers.otherName))] });
    })],
  });
  s(0x00090010, 'LO', 'ZZFUZZ CREATOR');
  s(0x00091001, 'LT', fuzzMarkers.privateText);
  ds.set({ tag: 0x00091002, vr: 'UN', value: encodeString(fuzzMarkers.patientId, 'LO') });
  ds.set({ tag: 0x00280002, vr: 'US', value: us(1, little) });
  s(0x00280004, 'CS', 'MONOCHROME2');
  if (o.frames !== undefined) s(0x00280008, 'IS', String(o.frames));
  ds.set({ tag: 0x00280010, vr: 'US', value: us(rows, little) });
  ds.set({ tag: 0x00280011, vr: 'US', value: us(columns, little) });
  ds.set({ tag: 0x00280100, vr: 'US', value: us(bits, little) });
  ds.set({ tag: 0x00280101, vr: 'US', value: us(bits, little) });
  ds.set({ tag: 0x00280102, vr: 'US', value: us(bits - 1, little) });
  ds.set({ tag: 0x00280103, vr: 'US', value: us(0, little) });
  const pixels = o.pixels === undefined ? new Uint8Array(rows * columns * (bits / 8) * (o.frames ?? 1)) : o.pixels;
  if (pixels instanceof Uint8Array) ds.set({ tag: 0x7fe00010, vr: bits > 8 ? 'OW' : 'OB', value: pixels });
  else if (pixels) ds.set({ tag: 0x7fe00010, vr: 'OB', fragments: [new Uint8Array(0), ...pixels.fragments] });
  return ds;
}

function meta(transferSyntaxUid: string, sopClass = CT, index = 0): DicomDataset {
  const m = new DicomDataset(true);
  m.set({ tag: 0x00020001, vr: 'OB', value: Uint8Array.of(0, 1) });
  setString(m, 0x00020002, 'UI', sopClass);
  setString(m, 0x00020003, 'UI', `1.2.826.0.1.3680043.9.7781.1.${index}`);
  setString(m, 0x00020010, 'UI', transferSyntaxUid);
  setString(m, 0x00020012, 'UI', '1.2.826.0.1.3680043.9.7781');
  // Identifying text in the file meta (Source and Sending AE titles).
  setString(m, 0x00020016, 'AE', fuzzMarkers.stationAe);
  setString(m, 0x00020017, 'AE', fuzzMarkers.stationAe);
  return m;
}

function part10(dataset: DicomDataset, transferSyntaxUid: string, sopClass = CT, index = 0): Uint8Array {
  const file: DicomFile = { meta: meta(transferSyntaxUid, sopClass, index), dataset, transferSyntaxUid, hadPreamble: true };
  return writeDicomFile(file);
}

/** Overwrites 4 bytes (little-endian) at the value-length field of the first element with `tag` at top level. */
function setLength32(bytes: Uint8Array, tag: number, length: number): Uint8Array {
  const out = bytes.slice();
  const element = walkDicom(bytes).elements.find((e) => e.tag === tag);
  if (!element) throw new Error('fuzz corpus: element not found');
  new DataView(out.buffer).setUint32(element.valueOffset - 4, length, true);
  return out;
}

function setLength16(bytes: Uint8Array, tag: number, length: number): Uint8Array {
  const out = bytes.slice();
  const element = walkDicom(bytes).elements.find((e) => e.tag === tag);
  if (!element) throw new Error('fuzz corpus: element not found');
  new DataView(out.buffer).setUint16(element.valueOffset - 2, length, true);
  return out;
}

function replaceMetaSyntax(bytes: Uint8Array, from: string, to: string): Uint8Array {
  // Same-length swaps keep the meta group length right; the data set stays as written.
  const text = Buffer.from(bytes);
  const at = text.indexOf(Buffer.from(from, 'latin1'), 132);
  if (at < 0 || from.length !== to.length) throw new Error('fuzz corpus: transfer syntax not found');
  const out = bytes.slice();
  out.set(Buffer.from(to, 'latin1'), at);
  return out;
}

/** The core's seeded generator (mulberry32): the corpus is the same on every run. */
function random(seed: number): () => number {
  const generator = seededRandom(seed);
  return () => generator.next();
}

/**
 * A deflated DICOM whose data set (a 64 × 64 8-bit image) carries `pixelBytes` of zeros in its
 * Pixel Data: one fully flushed deflate segment of 1 MiB of zeros repeated (each segment stands
 * alone), so 2 GiB cost about 2 MB on disk and nothing in memory to build.
 */
export function deflatedBomb(pixelBytes: number, index = 90): Uint8Array {
  const dataset = imageDataset({ index, rows: 64, columns: 64, bitsAllocated: 8, pixels: new Uint8Array(0) });
  const plain = part10(dataset, transferSyntaxes.explicitLittle, CT, index);
  const body = plain.slice(walkDicom(plain).datasetOffset);
  new DataView(body.buffer).setUint32(body.length - 4, pixelBytes, true);
  const head = writeDicomFile({ meta: meta(transferSyntaxes.deflatedExplicitLittle, CT, index), dataset: new DicomDataset(true), transferSyntaxUid: transferSyntaxes.deflatedExplicitLittle, hadPreamble: true });
  const flush = { finishFlush: constants.Z_FULL_FLUSH, level: 9 };
  const mebibyte = deflateRawSync(new Uint8Array(1 << 20), flush);
  const parts: Uint8Array[] = [head.subarray(0, walkDicom(head).datasetOffset), deflateRawSync(body, flush)];
  let left = pixelBytes;
  for (; left >= 1 << 20; left -= 1 << 20) parts.push(mebibyte);
  parts.push(deflateRawSync(new Uint8Array(left), { level: 9 }));
  return Buffer.concat(parts);
}

/** An RLE frame of `pixels` zero bytes in one segment: 2 bytes of PackBits per 128 pixels. */
function rleZeros(pixels: number): Uint8Array {
  const runs = Math.ceil(pixels / 128);
  const frame = new Uint8Array(64 + runs * 2);
  const view = new DataView(frame.buffer);
  view.setUint32(0, 1, true);
  view.setUint32(4, 64, true);
  for (let r = 0; r < runs; r++) frame[64 + 2 * r] = 0x81; // repeat the next byte 128 times
  return frame;
}

function deepSequence(depth: number): DicomDataset {
  let inner = item((i) => setString(i, 0x00100010, 'PN', fuzzMarkers.otherName));
  for (let d = 0; d < depth; d++) {
    const child = inner;
    inner = item((i) => i.set({ tag: 0x0040a730, vr: 'SQ', items: [child] }));
  }
  const ds = imageDataset({ index: 40 + depth });
  ds.set({ tag: 0x0040a730, vr: 'SQ', items: inner.get(0x0040a730)?.items ?? [] });
  return ds;
}

/** The whole corpus, in a fixed order. */
export function fuzzCorpus(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const add = (name: string, kind: FuzzClass, bytes: Uint8Array) => cases.push({ name, kind, bytes });
  const explicit = part10(imageDataset({ index: 1 }), transferSyntaxes.explicitLittle, CT, 1);

  // Valid files in each uncompressed transfer syntax (identifying values everywhere).
  add('valid-explicit-le.dcm', 'valid', explicit);
  add('valid-implicit-le.dcm', 'valid', part10(imageDataset({ index: 2 }), transferSyntaxes.implicitLittle, CT, 2));
  add('valid-explicit-be.dcm', 'valid', part10(imageDataset({ index: 3, littleEndian: false }), transferSyntaxes.explicitBig, CT, 3));
  add('valid-deflated.dcm', 'valid', part10(imageDataset({ index: 4 }), transferSyntaxes.deflatedExplicitLittle, CT, 4));
  add('valid-rle-us.dcm', 'valid', part10(imageDataset({ index: 5, modality: 'US', sopClass: US_MULTIFRAME, bitsAllocated: 8, frames: 2, pixels: { fragments: [rleZeros(256), rleZeros(256)] } }), '1.2.840.10008.1.2.5', US_MULTIFRAME, 5));

  // Truncations at every structural boundary.
  for (const at of [0, 1, 64, 131, 132, 140, 200, 300, 400, Math.floor(explicit.length / 2), explicit.length - 100, explicit.length - 1]) {
    add(`truncated-at-${at}.dcm`, 'truncation', explicit.subarray(0, at));
  }

  // Length fields that lie.
  add('length-pixel-past-end.dcm', 'length-field', setLength32(explicit, 0x7fe00010, 0x7ffffff0));
  add('length-pixel-undefined-native.dcm', 'length-field', setLength32(explicit, 0x7fe00010, 0xffffffff));
  add('length-text-past-end.dcm', 'length-field', setLength16(explicit, 0x00204000, 0xfff0));
  add('length-odd.dcm', 'length-field', setLength16(explicit, 0x00080060, 3));
  add('length-sequence-past-end.dcm', 'length-field', setLength32(explicit, 0x00081140, 0x00fffff0));
  add('length-pixel-short-of-geometry.dcm', 'length-field', part10(imageDataset({ index: 11, rows: 512, columns: 512, pixels: new Uint8Array(10) }), transferSyntaxes.explicitLittle, CT, 11));
  add('length-pixel-too-long.dcm', 'length-field', part10(imageDataset({ index: 12, pixels: new Uint8Array(16 * 16 * 2 * 3) }), transferSyntaxes.explicitLittle, CT, 12));

  // Deep sequences: within the parser's limit, past it.
  add('deep-sequence-40.dcm', 'deep-sequence', part10(deepSequence(40), transferSyntaxes.explicitLittle, CT, 80));
  add('deep-sequence-200.dcm', 'deep-sequence', part10(deepSequence(200), transferSyntaxes.explicitLittle, CT, 240));
  const nested = part10(deepSequence(3), transferSyntaxes.explicitLittle, CT, 43);
  add('sequence-cut-short.dcm', 'deep-sequence', nested.subarray(0, nested.length - 600));

  // Transfer syntaxes that do not match the data.
  add('ts-big-endian-over-little.dcm', 'wrong-transfer-syntax', replaceMetaSyntax(explicit, '1.2.840.10008.1.2.1\0', '1.2.840.10008.1.2.2\0'));
  add('ts-implicit-over-explicit.dcm', 'wrong-transfer-syntax', replaceMetaSyntax(explicit, '1.2.840.10008.1.2.1\0', '1.2.840.10008.1.2\0\0\0'));
  add('ts-jpeg-over-native.dcm', 'wrong-transfer-syntax', part10(imageDataset({ index: 22, modality: 'US', bitsAllocated: 8 }), '1.2.840.10008.1.2.4.50', CT, 22));
  add('ts-unknown.dcm', 'wrong-transfer-syntax', part10(imageDataset({ index: 23 }), '1.2.3.4.5.6.7.8.9', CT, 23));
  add('ts-empty.dcm', 'wrong-transfer-syntax', part10(imageDataset({ index: 24 }), '', CT, 24));
  // Written under a same-length placeholder syntax, then relabelled deflated: the data set is not.
  const placeholder = part10(imageDataset({ index: 25 }), '1.2.840.10008.1.2.1.77', CT, 25);
  add('ts-deflated-not-deflated.dcm', 'wrong-transfer-syntax', replaceMetaSyntax(placeholder, '1.2.840.10008.1.2.1.77', '1.2.840.10008.1.2.1.99'));

  // Decompression bombs: a deflated data set claiming 2 GiB, RLE and JPEG frames claiming far more than Rows/Columns allow.
  add('bomb-deflated-2gib.dcm', 'decompression-bomb', deflatedBomb(2 * 1024 * 1024 * 1024));
  add('bomb-rle-geometry.dcm', 'decompression-bomb', part10(imageDataset({ index: 31, modality: 'US', sopClass: US_MULTIFRAME, rows: 20000, columns: 20000, bitsAllocated: 8, frames: 4, pixels: { fragments: [rleZeros(4096), rleZeros(4096), rleZeros(4096), rleZeros(4096)] } }), '1.2.840.10008.1.2.5', US_MULTIFRAME, 31));
  add('bomb-jpeg-sof.dcm', 'decompression-bomb', part10(imageDataset({ index: 32, modality: 'US', bitsAllocated: 8, pixels: { fragments: [Uint8Array.of(0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0xea, 0x60, 0xea, 0x60, 1, 1, 0x11, 0, 0xff, 0xd9, 0)] } }), '1.2.840.10008.1.2.4.50', CT, 32));

  // Huge declared geometry over tiny data.
  add('huge-geometry-65535.dcm', 'huge-geometry', part10(imageDataset({ index: 33, rows: 65535, columns: 65535, frames: 100, pixels: new Uint8Array(64) }), transferSyntaxes.explicitLittle, CT, 33));
  add('huge-frames.dcm', 'huge-geometry', part10(imageDataset({ index: 34, modality: 'US', sopClass: US_MULTIFRAME, bitsAllocated: 8, frames: 999999999, pixels: new Uint8Array(512) }), transferSyntaxes.explicitLittle, US_MULTIFRAME, 34));
  add('huge-geometry-us-native.dcm', 'huge-geometry', part10(imageDataset({ index: 35, modality: 'US', rows: 30000, columns: 30000, bitsAllocated: 8, pixels: new Uint8Array(900) }), transferSyntaxes.explicitLittle, CT, 35));

  // Files that are not DICOM at all (one carries the marker in plain text).
  const rnd = random(11);
  add('not-dicom-empty.dcm', 'non-dicom', new Uint8Array(0));
  add('not-dicom-text.txt', 'non-dicom', new TextEncoder().encode(`Patient ${fuzzMarkers.patientName}, ID ${fuzzMarkers.patientId}\n`));
  add('not-dicom-png.png', 'non-dicom', Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13));
  add('not-dicom-zip.zip', 'non-dicom', Uint8Array.of(0x50, 0x4b, 0x03, 0x04, ...new Uint8Array(26)));
  add('not-dicom-random.bin', 'non-dicom', Uint8Array.from({ length: 4096 }, () => Math.floor(rnd() * 256)));
  add('not-dicom-tiff-truncated.tif', 'non-dicom', Uint8Array.of(0x49, 0x49, 0x2a, 0, 0xff, 0xff, 0, 0));
  const dicmGarbage = new Uint8Array(1024);
  dicmGarbage.set([0x44, 0x49, 0x43, 0x4d], 128);
  for (let i = 132; i < dicmGarbage.length; i++) dicmGarbage[i] = Math.floor(rnd() * 256);
  add('not-dicom-dicm-garbage.dcm', 'non-dicom', dicmGarbage);

  // Identifying values in odd places: SR free text, a private sequence, a bare data set without meta.
  const sr = new DicomDataset(true);
  setString(sr, 0x00080016, 'UI', SR);
  setString(sr, 0x00080018, 'UI', '1.2.826.0.1.3680043.9.7781.1.50');
  setString(sr, 0x00080060, 'CS', 'SR');
  setString(sr, 0x00100010, 'PN', fuzzMarkers.patientName);
  setString(sr, 0x0020000d, 'UI', '1.2.826.0.1.3680043.9.7781.2.50');
  setString(sr, 0x0020000e, 'UI', '1.2.826.0.1.3680043.9.7781.3.50');
  sr.set({ tag: 0x0040a730, vr: 'SQ', items: [item((i) => { setString(i, 0x0040a040, 'CS', 'TEXT'); setString(i, 0x0040a160, 'UT', `Findings for ${fuzzMarkers.patientName}`); })] });
  add('odd-sr-text.dcm', 'identifying-odd-place', part10(sr, transferSyntaxes.explicitLittle, SR, 50));
  const privateSequence = imageDataset({ index: 51 });
  privateSequence.set({ tag: 0x00091003, vr: 'SQ', items: [item((i) => { setString(i, 0x00100010, 'PN', fuzzMarkers.patientName); setString(i, 0x00091001, 'LT', fuzzMarkers.privateText); })] });
  add('odd-private-sequence.dcm', 'identifying-odd-place', part10(privateSequence, transferSyntaxes.explicitLittle, CT, 51));
  const bare = part10(imageDataset({ index: 52 }), transferSyntaxes.implicitLittle, CT, 52);
  add('odd-bare-dataset.dcm', 'identifying-odd-place', bare.subarray(walkDicom(bare).datasetOffset));
  return cases;
}

/** Writes the corpus into `dir` (created) and returns its cases. */
export function writeFuzzCorpus(dir: string): FuzzCase[] {
  mkdirSync(dir, { recursive: true });
  const cases = fuzzCorpus();
  for (const c of cases) writeFileSync(join(dir, c.name), c.bytes);
  return cases;
}
