import { crc32 } from 'node:zlib';

/**
 * A gzip (RFC 1952) / deflate (RFC 1951) decoder that hands its output over in pieces of one
 * reused window instead of allocating fresh memory for every chunk: a label mask inflates to
 * hundreds of times its file size, and on first touch that much fresh memory costs about as much
 * as the inflating itself. Distance-1 matches (runs of one byte, most of a mask) are written as fills.
 *
 * It reads one single-member gzip file and checks its CRC-32 and length; it returns false (and
 * has handed over nothing) when the header asks for anything it does not read, so the caller
 * can use zlib instead. Corrupt data throws {@link InflateError}; the caller decides what to report
 * (a file with several gzip members throws it too).
 */

/** Corrupt (or unsupported) gzip data. */
export class InflateError extends Error {}

/** The stream inflates to more than the caller allows (not corrupt: too large). */
export class InflateLimitError extends Error {}

/** History deflate may refer back to. */
const HISTORY = 32768;
/** Output handed over at a time (after the history kept in front of it). */
const PIECE = 1 << 18;
/** The longest match. */
const MAX_MATCH = 258;

const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/**
 * A flat decoding table: indexed by the next `bits` input bits (least significant first), each
 * entry is symbol << 4 | code length; 0 marks bits no code starts with.
 */
interface Table {
  readonly entries: Int32Array;
  readonly bits: number;
}

function buildTable(lengths: ArrayLike<number>, n: number): Table {
  const count = new Int32Array(16);
  let max = 0;
  for (let s = 0; s < n; s++) {
    const l = lengths[s] as number;
    count[l] = (count[l] as number) + 1;
    if (l > max) max = l;
  }
  count[0] = 0;
  // Over-subscribed code lengths are corrupt; incomplete ones are allowed (RFC 1951 single-code case).
  let left = 1;
  for (let l = 1; l <= 15; l++) {
    left = left * 2 - (count[l] as number);
    if (left < 0) throw new InflateError('deflate: over-subscribed code');
  }
  const bits = Math.max(1, max);
  const entries = new Int32Array(1 << bits);
  const next = new Int32Array(16);
  let code = 0;
  for (let l = 1; l <= 15; l++) {
    code = (code + (count[l - 1] as number)) << 1;
    next[l] = code;
  }
  for (let s = 0; s < n; s++) {
    const l = lengths[s] as number;
    if (l === 0) continue;
    const c = next[l] as number;
    next[l] = c + 1;
    let r = 0;
    for (let i = 0; i < l; i++) r |= ((c >> i) & 1) << (l - 1 - i);
    const entry = (s << 4) | l;
    for (let j = r; j < entries.length; j += 1 << l) entries[j] = entry;
  }
  return { entries, bits };
}

let fixedTables: { lit: Table; dist: Table } | null = null;
function fixed(): { lit: Table; dist: Table } {
  if (!fixedTables) {
    const l = new Uint8Array(288);
    l.fill(8, 0, 144);
    l.fill(9, 144, 256);
    l.fill(7, 256, 280);
    l.fill(8, 280, 288);
    fixedTables = { lit: buildTable(l, 288), dist: buildTable(new Uint8Array(30).fill(5), 30) };
  }
  return fixedTables;
}

/**
 * Inflates a single-member gzip file, calling `sink` with each piece of output in order (a view
 * of a reused buffer, valid only during the call; once `sink` returns false it is not called
 * again, but the rest is still inflated so the CRC and length are checked). Returns false
 * without calling `sink` when the gzip header has options this decoder leaves to zlib. With
 * `zeros`, long runs of zeros are handed over as their length instead (`zeros` in order between
 * pieces, returning false as `sink` does), so they are not read again. Output past `maxOutput`
 * bytes throws {@link InflateLimitError}: the rest of a stream is inflated even after `sink` has
 * stopped, and a few megabytes of gzip can claim gigabytes.
 */
export function inflateGzip(file: Uint8Array, sink: (piece: Buffer) => boolean, zeros?: (count: number) => boolean, maxOutput = Number.POSITIVE_INFINITY): boolean {
  const n = file.length;
  if (n < 18 || file[0] !== 0x1f || file[1] !== 0x8b || file[2] !== 8) return false;
  const flags = file[3] as number;
  if (flags & 0xe2) return false; // header CRC, reserved bits: zlib's
  let ip = 10;
  if (flags & 4) {
    if (ip + 2 > n) return false;
    ip += 2 + ((file[ip] as number) | ((file[ip + 1] as number) << 8));
  }
  for (const bit of [8, 16]) {
    if (!(flags & bit)) continue;
    while (ip < n && file[ip] !== 0) ip++;
    ip++;
  }
  if (ip >= n - 8) return false;
  const inflater = new Inflater(file, ip, n - 8, sink, zeros ?? null, maxOutput);
  inflater.run();
  ip = inflater.trailer();
  const crcStored = ((file[ip] as number) | ((file[ip + 1] as number) << 8) | ((file[ip + 2] as number) << 16) | ((file[ip + 3] as number) << 24)) >>> 0;
  const size = ((file[ip + 4] as number) | ((file[ip + 5] as number) << 8) | ((file[ip + 6] as number) << 16) | ((file[ip + 7] as number) << 24)) >>> 0;
  if (ip + 8 !== n) throw new InflateError('gzip: data after the first member');
  if (crcStored !== inflater.crc >>> 0) throw new InflateError('gzip: CRC mismatch');
  if (size !== inflater.total % 2 ** 32) throw new InflateError('gzip: length mismatch');
  return true;
}

/** The CRC-32 register update for one zero byte, as the images of the register's 32 bits. */
function zeroByte(): Int32Array {
  const step = new Int32Array(32);
  for (let bit = 0; bit < 32; bit++) {
    let c = (1 << bit) | 0;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    step[bit] = c;
  }
  return step;
}

/** The image of each of the 32 register bits under `a` twice (linear maps over GF(2)). */
function square(a: Int32Array): Int32Array {
  const out = new Int32Array(32);
  for (let bit = 0; bit < 32; bit++) {
    const v = a[bit] as number;
    let r = 0;
    for (let k = 0; k < 32; k++) if ((v >>> k) & 1) r ^= a[k] as number;
    out[bit] = r;
  }
  return out;
}

/** Zero runs at least this long are stepped over by the CRC; shorter ones are read (fewer calls). */
const STEP_ZEROS = 4096;

/** Zero runs up to 2^ZERO_POWERS - 1 bytes are stepped over at once (longer ones in parts). */
const ZERO_POWERS = 20;
let zeroSteps: Int32Array | null = null;

/**
 * For each k < ZERO_POWERS, the CRC-32 register after 2^k zero bytes as four tables of 256: the
 * register update is linear over GF(2), so a step is the XOR of the images of the register's
 * bytes, and the step of 2^(k+1) bytes is that of 2^k squared.
 */
function zeroTables(): Int32Array {
  if (zeroSteps) return zeroSteps;
  const t = new Int32Array(ZERO_POWERS * 1024);
  let step = zeroByte();
  for (let p = 0; p < ZERO_POWERS; p++) {
    if (p > 0) step = square(step);
    for (let i = 0; i < 4; i++) {
      const o = 1024 * p + 256 * i;
      // Each entry is that of the byte without its lowest bit, XOR the lowest bit's image.
      for (let b = 1; b < 256; b++) t[o + b] = (t[o + (b & (b - 1))] as number) ^ (step[8 * i + 31 - Math.clz32(b & -b)] as number);
    }
  }
  zeroSteps = t;
  return t;
}

/** zlib's crc32 continuing `crc` over `n` zero bytes, without reading them. */
export function crcOfZeros(crc: number, n: number): number {
  const t = zeroTables();
  let r = ~crc;
  let left = n;
  while (left > 0) {
    const part = Math.min(left, 2 ** ZERO_POWERS - 1);
    for (let bits = part; bits !== 0; bits &= bits - 1) {
      const o = 1024 * (31 - Math.clz32(bits & -bits));
      r = (t[o + (r & 255)] as number) ^ (t[o + 256 + ((r >>> 8) & 255)] as number) ^ (t[o + 512 + ((r >>> 16) & 255)] as number) ^ (t[o + 768 + (r >>> 24)] as number);
    }
    left -= part;
  }
  return ~r >>> 0;
}

class Inflater {
  readonly out = Buffer.allocUnsafe(HISTORY + PIECE + MAX_MATCH + 8);
  /** Next output byte; bytes before `from` have been handed over, before `crcAt` taken into the CRC. */
  op = HISTORY;
  from = HISTORY;
  crcAt = HISTORY;
  /** Bytes taken into the CRC. */
  total = 0;
  crc = 0;
  stopped = false;
  bitbuf = 0;
  bitcnt = 0;
  /** Output known to be zero (written by fills of zero), as [start, end) pairs in increasing order. */
  zeroRuns = new Int32Array(256);
  zeroCount = 0;
  /** After the CRC of a flush: the long zero runs, first in zeroRuns, to hand over as counts. */
  longCount = 0;

  constructor(
    private readonly file: Uint8Array,
    private ip: number,
    private readonly end: number,
    private readonly sink: (piece: Buffer) => boolean,
    private readonly zeroSink: ((count: number) => boolean) | null,
    private readonly maxOutput: number,
  ) {}

  /**
   * Takes the CRC of the output so far and hands it over up to a multiple of 8 bytes of the
   * stream (all of it when `final`), so every piece starts 8-byte aligned in memory as in the
   * stream (window offsets stay congruent to stream offsets modulo 8). At the limit, keeps the
   * last HISTORY bytes in front.
   */
  flush(final = false): void {
    const out = this.out, op = this.op;
    if (op > this.crcAt) {
      // Long zero runs stepped over, the bytes between them read.
      let crc = this.crc, at = this.crcAt;
      const z = this.zeroRuns;
      let long = 0;
      for (let i = 0; i < this.zeroCount; i += 2) {
        const s = z[i] as number, e = z[i + 1] as number;
        if (e - s < STEP_ZEROS) continue;
        if (s > at) crc = crc32(out.subarray(at, s), crc);
        crc = crcOfZeros(crc, e - s);
        at = e;
        // Kept (8-byte aligned inside) to be handed over as counts.
        z[long++] = (s + 7) & ~7;
        z[long++] = e & ~7;
      }
      this.longCount = long;
      if (op > at) crc = crc32(out.subarray(at, op), crc);
      this.crc = crc;
      this.zeroCount = 0;
      this.total += op - this.crcAt;
      this.crcAt = op;
      if (this.total > this.maxOutput) throw new InflateLimitError();
    }
    const end = final ? op : op & ~7;
    if (end > this.from && !this.stopped) {
      let at = this.from;
      if (this.zeroSink) {
        const z = this.zeroRuns;
        for (let i = 0; i < this.longCount && !this.stopped; i += 2) {
          const s = z[i] as number, e = Math.min(z[i + 1] as number, end);
          if (s < at || e <= s) continue;
          if (s > at && !this.sink(out.subarray(at, s))) this.stopped = true;
          if (!this.stopped && !this.zeroSink(e - s)) this.stopped = true;
          at = e;
        }
      }
      if (end > at && !this.stopped && !this.sink(out.subarray(at, end))) this.stopped = true;
    }
    this.longCount = 0;
    this.from = Math.max(this.from, end);
    if (op >= HISTORY + PIECE) {
      const next = HISTORY + (op & 7);
      out.copyWithin(next - HISTORY, op - HISTORY, op);
      this.from -= op - next;
      this.op = next;
      this.crcAt = next;
    }
  }

  /** At least `k` bits in the bit buffer (zero bits past the data; consuming them is caught at the trailer). */
  need(k: number): void {
    while (this.bitcnt < k) {
      const ip = this.ip;
      if (ip < this.end) this.bitbuf |= (this.file[ip] as number) << this.bitcnt;
      else if (ip >= this.end + 4) throw new InflateError('deflate: unexpected end of data');
      this.ip = ip + 1;
      this.bitcnt += 8;
    }
  }

  bits(k: number): number {
    if (this.bitcnt < k) this.need(k);
    const v = this.bitbuf & ((1 << k) - 1);
    this.bitbuf >>>= k;
    this.bitcnt -= k;
    return v;
  }

  decode(t: Table): number {
    if (this.bitcnt < t.bits) this.need(t.bits);
    const e = t.entries[this.bitbuf & ((1 << t.bits) - 1)] as number;
    const l = e & 15;
    if (l === 0) throw new InflateError('deflate: invalid code');
    this.bitbuf >>>= l;
    this.bitcnt -= l;
    return e >> 4;
  }

  /** Output [start, end) was filled with zeros (a new run). */
  private zeros(start: number, end: number): void {
    const n = this.zeroCount;
    if (n === this.zeroRuns.length) {
      const grown = new Int32Array(2 * n);
      grown.set(this.zeroRuns);
      this.zeroRuns = grown;
    }
    this.zeroRuns[n] = start;
    this.zeroRuns[n + 1] = end;
    this.zeroCount = n + 2;
  }

  /** Where the gzip trailer starts, after the last block (bytes read ahead are given back). */
  trailer(): number {
    this.flush(true);
    const ip = this.ip - (this.bitcnt >> 3);
    if (ip > this.end) throw new InflateError('deflate: unexpected end of data');
    return ip;
  }

  run(): void {
    let last = 0;
    while (!last) {
      last = this.bits(1);
      const type = this.bits(2);
      if (type === 0) this.stored();
      else if (type === 1) {
        const f = fixed();
        this.codes(f.lit, f.dist);
      } else if (type === 2) this.dynamic();
      else throw new InflateError('deflate: invalid block type');
    }
  }

  private stored(): void {
    // To a byte boundary: whole bytes read ahead into the bit buffer are given back.
    this.ip -= this.bitcnt >> 3;
    this.bitbuf = 0;
    this.bitcnt = 0;
    const file = this.file;
    let ip = this.ip;
    if (ip + 4 > this.end) throw new InflateError('deflate: unexpected end of data');
    const len = (file[ip] as number) | ((file[ip + 1] as number) << 8);
    const nlen = (file[ip + 2] as number) | ((file[ip + 3] as number) << 8);
    if ((len ^ 0xffff) !== nlen) throw new InflateError('deflate: stored length mismatch');
    ip += 4;
    if (ip + len > this.end) throw new InflateError('deflate: unexpected end of data');
    let left = len;
    while (left > 0) {
      const k = Math.min(left, HISTORY + PIECE - this.op);
      this.out.set(file.subarray(ip, ip + k), this.op);
      this.op += k;
      ip += k;
      left -= k;
      if (this.op >= HISTORY + PIECE) this.flush();
    }
    this.ip = ip;
  }

  private dynamic(): void {
    const nlen = this.bits(5) + 257, ndist = this.bits(5) + 1, ncode = this.bits(4) + 4;
    if (nlen > 286 || ndist > 30) throw new InflateError('deflate: bad counts');
    const cl = new Uint8Array(19);
    for (let i = 0; i < ncode; i++) cl[CL_ORDER[i] as number] = this.bits(3);
    const clt = buildTable(cl, 19);
    const lengths = new Uint8Array(nlen + ndist);
    for (let i = 0; i < nlen + ndist; ) {
      const sym = this.decode(clt);
      if (sym < 16) {
        lengths[i++] = sym;
        continue;
      }
      let v = 0, rep: number;
      if (sym === 16) {
        if (i === 0) throw new InflateError('deflate: repeat with no first length');
        v = lengths[i - 1] as number;
        rep = 3 + this.bits(2);
      } else if (sym === 17) rep = 3 + this.bits(3);
      else rep = 11 + this.bits(7);
      if (i + rep > nlen + ndist) throw new InflateError('deflate: too many lengths');
      lengths.fill(v, i, i + rep);
      i += rep;
    }
    if (lengths[256] === 0) throw new InflateError('deflate: no end-of-block code');
    this.codes(buildTable(lengths.subarray(0, nlen), nlen), buildTable(lengths.subarray(nlen), ndist));
  }

  /** A block of Huffman codes, up to its end-of-block code. */
  private codes(lit: Table, dist: Table): void {
    const out = this.out;
    const le = lit.entries, lb = lit.bits, lm = (1 << lb) - 1;
    const de = dist.entries, db = dist.bits, dm = (1 << db) - 1;
    const limit = HISTORY + PIECE;
    let op = this.op;
    for (;;) {
      if (this.bitcnt < lb) this.need(lb);
      const lbits = this.bitbuf;
      const e = le[lbits & lm] as number;
      const l = e & 15;
      if (l === 0) throw new InflateError('deflate: invalid code');
      this.bitbuf >>>= l;
      this.bitcnt -= l;
      const sym = e >> 4;
      if (sym < 256) {
        out[op++] = sym;
        if (op >= limit) {
          this.op = op;
          this.flush();
          op = this.op;
        }
        continue;
      }
      if (sym === 256) break;
      const li = sym - 257;
      if (li >= 29) throw new InflateError('deflate: invalid length code');
      const le2 = LEN_EXTRA[li] as number;
      const len = (LEN_BASE[li] as number) + (le2 > 0 ? this.bits(le2) : 0);
      if (this.bitcnt < db) this.need(db);
      const dbits = this.bitbuf;
      const d0 = de[dbits & dm] as number;
      const dl = d0 & 15;
      if (dl === 0) throw new InflateError('deflate: invalid distance code');
      this.bitbuf >>>= dl;
      this.bitcnt -= dl;
      const ds = d0 >> 4;
      if (ds >= 30) throw new InflateError('deflate: invalid distance code');
      const de2 = DIST_EXTRA[ds] as number;
      const d = (DIST_BASE[ds] as number) + (de2 > 0 ? this.bits(de2) : 0);
      if (d > this.total + op - this.crcAt) throw new InflateError('deflate: distance too far back');
      const src = op - d;
      if (d === 1) {
        // A run of one byte: the same match (no extra bits) repeated is read as one fill.
        let to = op + len;
        const w = l + dl;
        if (le2 === 0 && de2 === 0 && w <= 24) {
          const wm = (1 << w) - 1;
          const pattern = (lbits & ((1 << l) - 1)) | ((dbits & ((1 << dl) - 1)) << l);
          const most = limit + MAX_MATCH - len;
          // First `times` repetitions at a time, then one at a time.
          const times = Math.floor(24 / w);
          if (times > 1) {
            const tw = times * w, tm = tw === 24 ? 0xffffff : (1 << tw) - 1, step = times * len;
            let tp = 0;
            for (let k = 0; k < times; k++) tp |= pattern << (k * w);
            for (;;) {
              if (to + step > most) break;
              if (this.bitcnt < tw) this.need(tw);
              if ((this.bitbuf & tm) !== tp) break;
              this.bitbuf >>>= tw;
              this.bitcnt -= tw;
              to += step;
            }
          }
          for (;;) {
            if (to > most) break;
            if (this.bitcnt < w) this.need(w);
            if ((this.bitbuf & wm) !== pattern) break;
            this.bitbuf >>>= w;
            this.bitcnt -= w;
            to += len;
          }
        }
        const value = out[src] as number;
        if (value !== 0) out.fill(value, op, to);
        else {
          // Recorded for the CRC (joined to the previous run when they meet).
          const n = this.zeroCount;
          let start = op;
          if (n > 0 && this.zeroRuns[n - 1] === op) {
            start = this.zeroRuns[n - 2] as number;
            this.zeroRuns[n - 1] = to;
          } else this.zeros(op, to);
          // A run this long is handed over as a count and stepped over by the CRC (all but up to
          // 7 bytes at each end), and matches reach back HISTORY bytes at most: only its ends,
          // and its last HISTORY bytes, are ever read, so only they are written.
          const a = Math.max(op, start + 8), b = to - HISTORY - 8;
          if (b > a && this.zeroSink) {
            out.fill(0, op, a);
            out.fill(0, b, to);
          } else out.fill(0, op, to);
        }
        op = to - len;
      }
      else if (d >= len) out.copyWithin(op, src, src + len);
      else for (let k = 0; k < len; k++) out[op + k] = out[src + k] as number;
      op += len;
      if (op >= limit) {
        // The slack past the limit holds one match.
        this.op = op;
        this.flush();
        op = this.op;
      }
    }
    this.op = op;
  }
}
