import { deflateSync } from 'fflate';
import { DicomDataset, longLengthVrs, transferSyntaxes, type DicomFile } from './dataset';

const UNDEFINED = 0xffffffff;

/** Growable byte sink; headers go through one scratch DataView. */
class Sink {
  private buffer: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initial: number) {
    this.buffer = new Uint8Array(Math.max(initial, 1024));
    this.view = new DataView(this.buffer.buffer);
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  u16(value: number, little: boolean): void {
    this.ensure(2);
    this.view.setUint16(this.length, value, little);
    this.length += 2;
  }

  u32(value: number, little: boolean): void {
    this.ensure(4);
    this.view.setUint32(this.length, value >>> 0, little);
    this.length += 4;
  }

  bytes(value: Uint8Array): void {
    this.ensure(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  ascii(text: string): void {
    this.ensure(text.length);
    for (let i = 0; i < text.length; i += 1) this.buffer[this.length + i] = text.charCodeAt(i);
    this.length += text.length;
  }

  result(): Uint8Array {
    return this.buffer.subarray(0, this.length);
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

function writeHeader(sink: Sink, t: number, vr: string, length: number, syntax: Syntax): void {
  sink.u16(t >>> 16, syntax.little);
  sink.u16(t & 0xffff, syntax.little);
  if (!syntax.explicit) {
    sink.u32(length, syntax.little);
    return;
  }
  sink.ascii(vr);
  if (longLengthVrs.has(vr)) {
    sink.u16(0, syntax.little);
    sink.u32(length, syntax.little);
  } else {
    sink.u16(length, syntax.little);
  }
}

function writeDataset(sink: Sink, dataset: DicomDataset, syntax: Syntax, options: WriteOptions, offsetBase: number): void {
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
        if (fragment.length % 2 === 1) sink.bytes(new Uint8Array(1));
      }
      sink.u16(0xfffe, syntax.little);
      sink.u16(0xe0dd, syntax.little);
      sink.u32(0, syntax.little);
    } else {
      const value = element.value ?? new Uint8Array(0);
      const odd = value.length % 2 === 1;
      const vr = syntax.explicit && !/^[A-Z]{2}$/.test(element.vr) ? 'UN' : element.vr;
      writeHeader(sink, t, vr, value.length + (odd ? 1 : 0), syntax);
      sink.bytes(value);
      if (odd) sink.bytes(Uint8Array.of(vr === 'UI' || vr === 'OB' || vr === 'UN' ? 0 : 0x20));
    }
  }
}

function syntaxOf(uid: string): Syntax {
  if (uid === transferSyntaxes.implicitLittle) return { explicit: false, little: true };
  if (uid === transferSyntaxes.explicitBig) return { explicit: true, little: false };
  return { explicit: true, little: true };
}

/**
 * Writes a Part 10 file: preamble, "DICM", the meta group (with a recomputed group length) and
 * the data set in `file.transferSyntaxUid`. Sequences and items use undefined lengths.
 */
export function writeDicomFile(file: DicomFile, options: WriteOptions = {}): Uint8Array {
  const metaSink = new Sink(512);
  const meta = new DicomDataset(true);
  for (const element of file.meta.sorted()) if (element.tag !== 0x00020000) meta.set(element);
  writeDataset(metaSink, meta, { explicit: true, little: true }, {}, 0);
  const metaBytes = metaSink.result();

  const headerLength = 132 + 12 + metaBytes.length;
  const bodySink = new Sink(64 * 1024);
  const deflated = file.transferSyntaxUid === transferSyntaxes.deflatedExplicitLittle;
  writeDataset(bodySink, file.dataset, syntaxOf(file.transferSyntaxUid), options, headerLength);
  const body = deflated ? deflateSync(bodySink.result()) : bodySink.result();

  const out = new Sink(headerLength + body.length);
  out.bytes(new Uint8Array(128));
  out.ascii('DICM');
  out.u16(0x0002, true);
  out.u16(0x0000, true);
  out.ascii('UL');
  out.u16(4, true);
  out.u32(metaBytes.length, true);
  out.bytes(metaBytes);
  out.bytes(body);
  return out.result();
}
