import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { type LabelRuns, LabelRunsBuilder, labelMap, labelRunsOf } from '@delineate/core';
import { DelineateError } from '@delineate/schema';
import { maxDecodedBytes } from '../decoded-limit';
import { InflateError, InflateLimitError, inflateGzip } from '../gzip-inflate';
import { type NiftiHeader, type OrientationSource, datatypeBytes, decodeNifti, niftiLabels, parseNiftiHeader } from './nifti';

/** A NIfTI label image read as runs (see LabelRuns in core), with its orientation. */
export interface NiftiLabelRuns {
  readonly runs: LabelRuns;
  readonly affine: readonly number[];
  readonly orientation: OrientationSource;
}

/** Through zlib, decoded bytes are handed over in chunks of this size while the file inflates. */
const CHUNK = 1 << 20;

/**
 * Reads a .nii or .nii.gz label image as runs without holding the decoded volume. A sparse mask
 * (see RUNS_RATIO) inflates piece by piece into one reused 288 KiB window (gzip-inflate.ts: it
 * inflates to hundreds of times its file size, and fresh memory for that costs about as much as
 * the inflating) and each piece is turned into runs as it is decoded. Other gzip files, and those
 * that decoder leaves to zlib (several members, a header CRC) or finds corrupt, inflate in 1 MiB
 * chunks on libuv's thread pool (two files read at once on two threads; zlib reports corrupt
 * ones), each chunk turned into runs as it arrives. The labels are those of
 * `niftiLabels(readNiftiFile(path))`; images that need value conversion (float data, scaling,
 * big-endian words) are read that way and converted. The path never appears in errors.
 */
export async function readNiftiLabelRuns(path: string): Promise<NiftiLabelRuns> {
  let file: Buffer;
  try {
    file = statSync(path).size <= SYNC_READ ? readFileSync(path) : await readFile(path);
  } catch {
    throw new DelineateError('DLN_NOT_FOUND', 'NIfTI file could not be read');
  }
  return decodeNiftiLabelRuns(file);
}

/**
 * Gzip files that inflate to at least this many times their size are mostly long runs (a sparse
 * mask): they decode fastest here, a few codes per run. Denser ones go through zlib on the thread
 * pool, where two files inflate on two threads and the CRC of their data is not on this one.
 */
const RUNS_RATIO = 300;

/** The gzip file's stated size (its last four bytes, modulo 2^32) is RUNS_RATIO times its own. */
function mostlyRuns(file: Uint8Array): boolean {
  const n = file.length;
  const size = ((file[n - 4] as number) | ((file[n - 3] as number) << 8) | ((file[n - 2] as number) << 16) | ((file[n - 1] as number) << 24)) >>> 0;
  return size >= RUNS_RATIO * n;
}

/**
 * Files up to this size (a compressed mask's) are read synchronously: reading them costs less
 * than a trip through libuv's thread pool (about 10 ms for a process's first two, the pool
 * starting); larger ones are read on the pool without holding up the event loop.
 */
const SYNC_READ = 16 << 20;

/** {@link readNiftiLabelRuns} on the bytes of a file. */
export async function decodeNiftiLabelRuns(file: Uint8Array): Promise<NiftiLabelRuns> {
  const gzip = file.length >= 2 && file[0] === 0x1f && file[1] === 0x8b;
  let sink = new RunSink();
  let inflated = false;
  if (gzip && file.length >= 18 && mostlyRuns(file)) {
    // Inflated here into one reused window (no fresh memory per chunk); zlib below reads what
    // this decoder leaves to it, and reports corrupt files.
    try {
      // Bounded by the ceiling: after the voxels it needs the sink stops, and the rest is only inflated for the CRC.
      inflated = inflateGzip(file, (piece) => sink.push(piece), (count) => sink.zeroBytes(count), maxDecodedBytes());
    } catch (error) {
      if (error instanceof InflateLimitError) throw new DelineateError('DLN_NIFTI_TOO_LARGE', 'NIfTI gzip stream inflates beyond the configured ceiling');
      if (!(error instanceof InflateError)) throw error;
      sink = new RunSink();
    }
  }
  if (!gzip) sink.push(Buffer.from(file.buffer, file.byteOffset, file.byteLength));
  else if (!inflated) await inflateThroughZlib(file, sink);
  if (sink.convert) {
    const image = decodeNifti(file);
    return { runs: labelRunsOf(labelMap(image.grid, niftiLabels(image))), affine: image.affine, orientation: image.orientation };
  }
  return sink.finish();
}

/** Inflates a gzip file in CHUNK pieces on libuv's thread pool into `sink`, stopping when it has enough. */
function inflateThroughZlib(file: Uint8Array, sink: RunSink): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const gunzip = createGunzip({ chunkSize: CHUNK });
    let settled = false;
    const settle = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      if (error === undefined) resolve();
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    gunzip.on('data', (chunk: Buffer) => {
      if (settled) return;
      try {
        if (!sink.push(chunk)) {
          gunzip.destroy();
          settle();
        }
      } catch (error) {
        gunzip.destroy();
        settle(error);
      }
    });
    gunzip.on('end', () => settle());
    gunzip.on('error', () => settle(new DelineateError('DLN_NIFTI_INVALID', 'NIfTI gzip stream is corrupt')));
    gunzip.end(file);
  });
}

/** Zero bytes fed to a sink that has no header yet. */
const ZERO_BYTES = Buffer.alloc(4096);

/** Turns the decoded bytes of a NIfTI file, chunk by chunk, into runs. */
class RunSink {
  /** The image needs value conversion: read it whole instead. */
  convert = false;
  private header: NiftiHeader | null = null;
  private head: Buffer[] = [];
  private headBytes = 0;
  private skip = 0;
  private builder: LabelRunsBuilder | null = null;
  private rowBytes = 0;
  private rowsLeft = 0;
  private rowBuf = Buffer.alloc(0);
  private rowFill = 0;
  private zeros = Buffer.alloc(0);
  private byteRows = false;
  private bytesOf: Uint8Array = new Uint8Array(0);
  private wordsOf: Uint32Array = new Uint32Array(0);
  private doublesOf: Float64Array = new Float64Array(0);
  private wordBase = -1;
  private doubleRows = false;
  private bytes = 1;
  private blockRows = 1;
  private view: (row: Buffer) => ArrayLike<number> = (row) => row;

  /** Takes the next decoded bytes; false once nothing more is needed. */
  push(chunk: Buffer): boolean {
    if (this.convert) return false;
    let data = chunk;
    if (!this.header) {
      this.head.push(chunk.length < 348 ? Buffer.from(chunk) : chunk); // kept past this call: a copy, as the caller may reuse its buffer
      this.headBytes += chunk.length;
      if (this.headBytes < 348) return true;
      const head = this.head.length === 1 ? chunk : Buffer.concat(this.head, this.headBytes);
      this.head = [];
      this.start(parseNiftiHeader(head));
      if (this.convert) return false;
      const h = this.header as NiftiHeader | null;
      if (!h) return false;
      if (head.length <= h.voxOffset) {
        this.skip = h.voxOffset - head.length;
        return this.rowsLeft > 0;
      }
      data = head.subarray(h.voxOffset);
    }
    let p = 0;
    if (this.skip > 0) {
      const n = Math.min(this.skip, data.length);
      this.skip -= n;
      p = n;
    }
    const rb = this.rowBytes;
    if (this.rowFill > 0 && p < data.length) {
      const n = Math.min(rb - this.rowFill, data.length - p);
      data.copy(this.rowBuf, this.rowFill, p, p + n);
      this.rowFill += n;
      p += n;
      if (this.rowFill === rb) {
        this.bind(this.rowBuf);
        this.row(this.rowBuf, 0);
        this.rowFill = 0;
      }
    }
    const aligned = (data.byteOffset + p) % this.bytes === 0;
    const block = this.blockRows * rb;
    this.bind(data);
    while (this.rowsLeft > 0 && data.length - p >= rb) {
      // Empty stretches (most of a mask) by one native comparison per 64 KiB block of rows.
      if (this.rowsLeft >= this.blockRows && data.length - p >= block && data.compare(this.zeros, 0, block, p, p + block) === 0) {
        (this.builder as LabelRunsBuilder).emptyRows(this.blockRows);
        this.rowsLeft -= this.blockRows;
        p += block;
        continue;
      }
      if (aligned) this.row(data, p);
      else {
        data.copy(this.rowBuf, 0, p, p + rb);
        this.bind(this.rowBuf);
        this.row(this.rowBuf, 0);
        this.bind(data);
      }
      p += rb;
    }
    if (this.rowsLeft > 0 && p < data.length) {
      data.copy(this.rowBuf, 0, p);
      this.rowFill = data.length - p;
    }
    return this.rowsLeft > 0;
  }

  /** Takes the next `count` decoded bytes, all zero, without reading them; false once nothing more is needed. */
  zeroBytes(count: number): boolean {
    let n = count;
    while (n > 0 && !this.header && !this.convert) {
      const k = Math.min(n, ZERO_BYTES.length);
      n -= k;
      if (!this.push(ZERO_BYTES.subarray(0, k))) return false;
    }
    if (this.convert || this.rowsLeft === 0) return false;
    const skipped = Math.min(this.skip, n);
    this.skip -= skipped;
    n -= skipped;
    const rb = this.rowBytes;
    if (this.rowFill > 0 && n > 0) {
      const k = Math.min(rb - this.rowFill, n);
      this.rowBuf.fill(0, this.rowFill, this.rowFill + k);
      this.rowFill += k;
      n -= k;
      if (this.rowFill === rb) {
        this.bind(this.rowBuf);
        this.row(this.rowBuf, 0);
        this.rowFill = 0;
      }
    }
    const rows = Math.min(Math.floor(n / rb), this.rowsLeft);
    if (rows > 0) {
      (this.builder as LabelRunsBuilder).emptyRows(rows);
      this.rowsLeft -= rows;
      n -= rows * rb;
    }
    if (this.rowsLeft > 0 && n > 0) {
      this.rowBuf.fill(0, 0, n);
      this.rowFill = n;
    }
    return this.rowsLeft > 0;
  }

  finish(): NiftiLabelRuns {
    if (!this.header) parseNiftiHeader(Buffer.concat(this.head, this.headBytes)); // throws: too short
    const h = this.header as NiftiHeader | null;
    if (!h || !this.builder) throw new DelineateError('DLN_NIFTI_INVALID', 'file is shorter than a NIfTI-1 header');
    if (this.rowsLeft > 0) {
      throw new DelineateError('DLN_NIFTI_INVALID', 'NIfTI file is truncated', { expected: h.voxOffset + h.count * this.bytes });
    }
    return { runs: this.builder.finish(), affine: h.affine, orientation: h.orientation };
  }

  private start(h: NiftiHeader): void {
    const size = datatypeBytes(h.datatype);
    const m = h.sclSlope, b = h.sclInter;
    const scaled = !(m === 0 || !Number.isFinite(m) || (m === 1 && b === 0));
    if (h.datatype === 'float32' || h.datatype === 'float64' || scaled || (!h.littleEndian && size > 1)) {
      this.convert = true;
      return;
    }
    this.header = h;
    const [nx, ny, nz] = h.grid.dims;
    this.builder = new LabelRunsBuilder(h.grid);
    this.bytes = size;
    this.rowBytes = nx * size;
    this.rowsLeft = ny * nz;
    this.rowBuf = Buffer.alloc(this.rowBytes);
    this.blockRows = Math.max(1, Math.floor(65536 / this.rowBytes));
    this.zeros = Buffer.alloc(this.blockRows * this.rowBytes);
    this.byteRows = h.datatype === 'uint8' && nx % 4 === 0;
    this.doubleRows = this.byteRows && nx % 8 === 0;
    switch (h.datatype) {
      case 'int8': this.view = (r) => new Int8Array(r.buffer, r.byteOffset, nx); break;
      case 'int16': this.view = (r) => new Int16Array(r.buffer, r.byteOffset, nx); break;
      case 'uint16': this.view = (r) => new Uint16Array(r.buffer, r.byteOffset, nx); break;
      case 'int32': this.view = (r) => new Int32Array(r.buffer, r.byteOffset, nx); break;
      case 'uint32': this.view = (r) => new Uint32Array(r.buffer, r.byteOffset, nx); break;
      default: this.view = (r) => r;
    }
  }

  /** Views of the buffer rows are read from (uint8 images: its bytes and 32-bit words). */
  private bind(buf: Buffer): void {
    if (!this.byteRows) return;
    this.bytesOf = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    this.wordBase = buf.byteOffset % 4 === 0 ? buf.byteOffset : -1;
    if (this.wordBase >= 0) this.wordsOf = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >> 2);
    if (this.doubleRows && buf.byteOffset % 8 === 0) this.doublesOf = new Float64Array(buf.buffer, buf.byteOffset, buf.length >> 3);
    else this.doublesOf = new Float64Array(0);
  }

  /** The row at byte `at` of `buf` (bound by {@link bind}). */
  private row(buf: Buffer, at: number): void {
    const b = this.builder as LabelRunsBuilder;
    this.rowsLeft--;
    if (this.doubleRows && this.doublesOf.length > 0 && at % 8 === 0) {
      this.byteRow8(at, b);
      return;
    }
    if (this.byteRows && this.wordBase >= 0 && at % 4 === 0) {
      this.byteRow(at, b);
      return;
    }
    const row = buf.subarray(at, at + this.rowBytes);
    if (row.compare(this.zeros, 0, row.length) === 0) b.emptyRows(1);
    else b.addRow(this.view(row));
  }

  /**
   * A uint8 row (nx a multiple of 4, 4-byte aligned) read four voxels at a time: a zero word is
   * background, a word of four times the current run's label continues it, any other word is
   * read voxel by voxel.
   */
  private byteRow(at: number, b: LabelRunsBuilder): void {
    const words = this.wordsOf, bytes = this.bytesOf;
    const nx = this.rowBytes, w0 = at >> 2, nw = nx >> 2;
    let label = 0, start = 0, fill = 0;
    for (let k = 0; k < nw; k++) {
      const v = words[w0 + k] as number;
      if (v === fill) continue;
      if (v === 0) {
        b.run(start, 4 * k, label);
        label = 0;
        fill = 0;
        continue;
      }
      for (let j = 0, x = 4 * k, i = at + x; j < 4; j++, x++, i++) {
        const c = bytes[i] as number;
        if (c === label) continue;
        if (label !== 0) b.run(start, x, label);
        label = c;
        start = x;
      }
      fill = label * 0x01010101;
    }
    if (label !== 0) b.run(start, nx, label);
    b.endRow();
  }

  /**
   * {@link byteRow} eight voxels at a time (nx a multiple of 8, 8-byte aligned), each group read
   * as one float64: equal to the run's fill pattern means the run goes on. Float equality is
   * bit equality here except for ±0, so a zero group is confirmed by its high 32-bit word (−0 is
   * a voxel of 128); label 255's pattern is NaN and never equal, so it is read voxel by voxel.
   */
  private byteRow8(at: number, b: LabelRunsBuilder): void {
    const doubles = this.doublesOf, words = this.wordsOf, bytes = this.bytesOf;
    const nx = this.rowBytes, w0 = at >> 3, nw = nx >> 3;
    let label = 0, start = 0, fill = 0;
    for (let k = 0; k < nw; k++) {
      const v = doubles[w0 + k] as number;
      if (v === fill && (fill !== 0 || words[2 * (w0 + k) + 1] === 0)) continue;
      for (let j = 0, x = 8 * k, i = at + x; j < 8; j++, x++, i++) {
        const c = bytes[i] as number;
        if (c === label) continue;
        if (label !== 0) b.run(start, x, label);
        label = c;
        start = x;
      }
      fill = FILL[label] as number;
    }
    if (label !== 0) b.run(start, nx, label);
    b.endRow();
  }
}

/** Per uint8 label, eight voxels of it read as one float64 (NaN for 255). */
const FILL = (() => {
  const bytes = new Uint8Array(8);
  const double = new Float64Array(bytes.buffer);
  return Float64Array.from({ length: 256 }, (_, label) => {
    bytes.fill(label);
    return double[0] as number;
  });
})();
