import { deflateSync } from 'fflate';
import { DicomDataset, longLengthVrs, transferSyntaxes, type DicomFile } from './dataset';

const UNDEFINED = 0xffffffff;
/** Values at least this long are emitted as views of their own bytes instead of being copied. */
const VIEW_THRESHOLD = 1024;
const SCRATCH_SIZE = 4096;
const EMPTY = new Uint8Array(0);
const ZERO = Uint8Array.of(0);
const SPACE = Uint8Array.of(0x20);

/**
 * Byte sink that produces a list of chunks: headers and small values are packed into scratch
 * buffers, large values (pixel data) are passed through as views of their source bytes, so
 * writing a file copies them at most once (into the file, or into one contiguous result).
 */
class ChunkSink {
  readonly chunks: Uint8Array[] = [];
  /** Total bytes written so far. */
  length = 0;
  private scratch: Uint8Array;
  private view: DataView;
  /** Start of the part of `scratch` not yet flushed into `chunks`. */
  private start = 0;
  private at = 0;

  constructor() {
    this.scratch = new Uint8Array(SCRATCH_SIZE);
    this.view = new DataView(this.scratch.buffer);
  }

  private flush(): void {
    if (this.at > this.start) this.chunks.push(this.scratch.subarray(this.start, this.at));
    this.start = this.at;
  }

  private ensure(extra: number): void {
    if (this.at + extra <= this.scratch.length) return;
    this.flush();
    this.scratch = new Uint8Array(Math.max(SCRATCH_SIZE, extra));
    this.view = new DataView(this.scratch.buffer);
    this.start = 0;
    this.at = 0;
  }

  u16(value: number, little: boolean): void {
    this.ensure(2);
    this.view.setUint16(this.at, value, little);
    this.at += 2;
    this.length += 2;
  }

  u32(value: number, little: boolean): void {
    this.ensure(4);
    this.view.setUint32(this.at, value >>> 0, little);
    this.at += 4;
    this.length += 4;
  }

  /** Two ASCII characters (a VR). */
  vr(text: string): void {
    this.ensure(2);
    this.scratch[this.at] = text.charCodeAt(0);
    this.scratch[this.at + 1] = text.charCodeAt(1);
    this.at += 2;
    this.length += 2;
  }

  bytes(value: Uint8Array): void {
    if (value.length >= VIEW_THRESHOLD) {
      this.flush();
      this.chunks.push(value);
    } else {
      this.ensure(value.length);
      this.scratch.set(value, this.at);
      this.at += value.length;
    }
    this.length += value.length;
  }

  result(): Uint8Array[] {
    this.flush();
    return this.chunks;
  }
}

interface Syntax {
  readonly explicit: boolean;
  readonly little: boolean;
}

export interface WriteOptions {
  /** Receives the output byte offset of every sequence item written (DICOMDIR record offsets). */
  readonly itemOffsets?: Map<DicomDataset, number>;
}

function isUpperLetter(code: number): boolean {
  return code >= 0x41 && code <= 0x5a;
}

function writeHeader(sink: ChunkSink, t: number, vr: string, length: number, syntax: Syntax): void {
  sink.u16(t >>> 16, syntax.little);
  sink.u16(t & 0xffff, syntax.little);
  if (!syntax.explicit) {
    sink.u32(length, syntax.little);
    return;
  }
  sink.vr(vr);
  if (longLengthVrs.has(vr)) {
    sink.u16(0, syntax.little);
    sink.u32(length, syntax.little);
  } else {
    sink.u16(length, syntax.little);
  }
}

function writeDataset(sink: ChunkSink, dataset: DicomDataset, syntax: Syntax, options: WriteOptions, offsetBase: number): void {
  for (const element of dataset.sorted()) {
    const t = element.tag;
    // Group lengths outside the meta group are retired and would be wrong after editing.
    if ((t & 0xffff) === 0 && t >>> 16 !== 0x0002) continue;
    if (element.items) {
      writeHeader(sink, t, 'SQ', UNDEFINED, syntax);
      for (const item of element.items) {
        options.itemOffsets?.set(item, offsetBase + sink.length);
        sink.u16(0xfffe, syntax.little);
        sink.u16(0xe000, syntax.little);
        sink.u32(UNDEFINED, syntax.little);
        writeDataset(sink, item, syntax, options, offsetBase);
        sink.u16(0xfffe, syntax.little);
        sink.u16(0xe00d, syntax.little);
        sink.u32(0, syntax.little);
      }
      sink.u16(0xfffe, syntax.little);
      sink.u16(0xe0dd, syntax.little);
      sink.u32(0, syntax.little);
    } else if (element.fragments) {
      writeHeader(sink, t, element.vr === 'OW' ? 'OW' : 'OB', UNDEFINED, syntax);
      for (const fragment of element.fragments) {
        sink.u16(0xfffe, syntax.little);
        sink.u16(0xe000, syntax.little);
        sink.u32(fragment.length + (fragment.length % 2), syntax.little);
        sink.bytes(fragment);
        if (fragment.length % 2 === 1) sink.bytes(ZERO);
      }
      sink.u16(0xfffe, syntax.little);
      sink.u16(0xe0dd, syntax.little);
      sink.u32(0, syntax.little);
    } else {
      const value = element.value ?? EMPTY;
      const odd = value.length % 2 === 1;
      const given = element.vr;
      const wellFormed = given.length === 2 && isUpperLetter(given.charCodeAt(0)) && isUpperLetter(given.charCodeAt(1));
      const vr = syntax.explicit && !wellFormed ? 'UN' : given;
      writeHeader(sink, t, vr, value.length + (odd ? 1 : 0), syntax);
      sink.bytes(value);
      if (odd) sink.bytes(vr === 'UI' || vr === 'OB' || vr === 'UN' ? ZERO : SPACE);
    }
  }
}

function syntaxOf(uid: string): Syntax {
  if (uid === transferSyntaxes.implicitLittle) return { explicit: false, little: true };
  if (uid === transferSyntaxes.explicitBig) return { explicit: true, little: false };
  return { explicit: true, little: true };
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * The bytes of a Part 10 file as a list of chunks, in order: preamble, "DICM", the meta group
 * (with a recomputed group length) and the data set in `file.transferSyntaxUid`. Large values
 * (pixel data) are views of the data set's own value bytes, not copies: write the chunks with
 * one gathered write (writev) or use {@link writeDicomFile} for one contiguous buffer. The
 * chunks are only valid until the data set's values are changed.
 */
export function writeDicomFileChunks(file: DicomFile, options: WriteOptions = {}): Uint8Array[] {
  const metaSink = new ChunkSink();
  const meta = new DicomDataset(true);
  for (const element of file.meta.sorted()) if (element.tag !== 0x00020000) meta.set(element);
  writeDataset(metaSink, meta, { explicit: true, little: true }, {}, 0);
  const metaLength = metaSink.length;
  const metaChunks = metaSink.result();

  const headerLength = 132 + 12 + metaLength;
  const bodySink = new ChunkSink();
  const deflated = file.transferSyntaxUid === transferSyntaxes.deflatedExplicitLittle;
  writeDataset(bodySink, file.dataset, syntaxOf(file.transferSyntaxUid), options, headerLength);
  const bodyLength = bodySink.length;
  const bodyChunks = bodySink.result();
  const body = deflated ? [deflateSync(concat(bodyChunks, bodyLength))] : bodyChunks;

  const head = new Uint8Array(144);
  head.set([0x44, 0x49, 0x43, 0x4d, 0x02, 0x00, 0x00, 0x00, 0x55, 0x4c, 0x04, 0x00], 128); // DICM (0002,0000) UL 4
  new DataView(head.buffer).setUint32(140, metaLength, true);
  return [head, ...metaChunks, ...body];
}

/**
 * Writes a Part 10 file: preamble, "DICM", the meta group (with a recomputed group length) and
 * the data set in `file.transferSyntaxUid`. Sequences and items use undefined lengths.
 */
export function writeDicomFile(file: DicomFile, options: WriteOptions = {}): Uint8Array {
  const chunks = writeDicomFileChunks(file, options);
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  return concat(chunks, total);
}
