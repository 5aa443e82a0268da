import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { editTopLevel, textValue } from './dataset-editor';
import { elementString, walkDicom } from './dataset-walker';
import { decodePixels } from './decode';
import { writePixels } from './encode';
import { readPixelSource } from './pixel-source';
import { decodeRleFrame, encodeRleFrame } from './rle';
import { loadWasmCodecs, wasmCodecsLoaded } from './wasm-codecs';

interface El {
  tag: number;
  vr: string;
  value: Uint8Array;
  undefinedLength?: boolean;
}

const te = (s: string): Uint8Array => {
  const b = new TextEncoder().encode(s);
  return b.length % 2 ? Uint8Array.from([...b, 0x20]) : b;
};
const us = (n: number, le = true): Uint8Array => {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, n, le);
  return b;
};

/** A Part 10 file in explicit VR (little or big endian) or implicit VR little endian. */
function file(ts: string, elements: El[], opts: { explicit?: boolean; le?: boolean } = {}): Uint8Array {
  const explicit = opts.explicit ?? true;
  const le = opts.le ?? true;
  const long = new Set(['OB', 'OW', 'SQ', 'UN', 'UT']);
  const enc = (e: El, ex: boolean, little: boolean): number[] => {
    const h = new DataView(new ArrayBuffer(12));
    h.setUint16(0, e.tag >>> 16, little);
    h.setUint16(2, e.tag & 0xffff, little);
    const len = e.undefinedLength ? 0xffffffff : e.value.length;
    let head: number[];
    if (!ex) {
      h.setUint32(4, len, little);
      head = [...new Uint8Array(h.buffer, 0, 8)];
    } else if (long.has(e.vr)) {
      h.setUint8(4, e.vr.charCodeAt(0));
      h.setUint8(5, e.vr.charCodeAt(1));
      h.setUint32(8, len, little);
      head = [...new Uint8Array(h.buffer, 0, 12)];
    } else {
      h.setUint8(4, e.vr.charCodeAt(0));
      h.setUint8(5, e.vr.charCodeAt(1));
      h.setUint16(6, len, little);
      head = [...new Uint8Array(h.buffer, 0, 8)];
    }
    return [...head, ...e.value];
  };
  const meta = [{ tag: 0x00020010, vr: 'UI', value: te(ts) }].flatMap((e) => enc(e, true, true));
  const gl = enc({ tag: 0x00020000, vr: 'UL', value: Uint8Array.from([meta.length & 0xff, meta.length >> 8, 0, 0]) }, true, true);
  const body = elements.flatMap((e) => enc(e, explicit, le));
  return Uint8Array.from([...new Array(128).fill(0), ...te('DICM'), ...gl, ...meta, ...body]);
}

function image(ts: string, pixels: Uint8Array, o: { rows: number; cols: number; spp: number; bits: number; frames?: number; explicit?: boolean; le?: boolean; pixelEl?: El; planar?: number }): Uint8Array {
  const le = o.le ?? true;
  const els: El[] = [
    { tag: 0x00080060, vr: 'CS', value: te('OT') },
    { tag: 0x00280002, vr: 'US', value: us(o.spp, le) },
    { tag: 0x00280004, vr: 'CS', value: te(o.spp === 3 ? 'RGB' : 'MONOCHROME2') },
    ...(o.spp === 3 ? [{ tag: 0x00280006, vr: 'US', value: us(o.planar ?? 0, le) }] : []),
    ...(o.frames ? [{ tag: 0x00280008, vr: 'IS', value: te(String(o.frames)) }] : []),
    { tag: 0x00280010, vr: 'US', value: us(o.rows, le) },
    { tag: 0x00280011, vr: 'US', value: us(o.cols, le) },
    { tag: 0x00280100, vr: 'US', value: us(o.bits, le) },
    { tag: 0x00280301, vr: 'CS', value: te('YES') },
    o.pixelEl ?? { tag: 0x7fe00010, vr: o.bits > 8 ? 'OW' : 'OB', value: pixels },
  ];
  return file(ts, els, o);
}

function encapsulated(frames: Uint8Array[]): El {
  const items: number[] = [];
  const item = (b: Uint8Array): void => {
    const h = new DataView(new ArrayBuffer(8));
    h.setUint16(0, 0xfffe, true);
    h.setUint16(2, 0xe000, true);
    h.setUint32(4, b.length, true);
    items.push(...new Uint8Array(h.buffer), ...b);
  };
  item(new Uint8Array());
  frames.forEach(item);
  items.push(0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0);
  return { tag: 0x7fe00010, vr: 'OB', value: Uint8Array.from(items), undefinedLength: true };
}

const ramp = (n: number, mul = 7): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * mul) & 0xff);

describe('RLE lossless', () => {
  it('round-trips 8-bit RGB and 16-bit grey frames through PackBits', () => {
    const rgb = Uint8Array.from({ length: 13 * 9 * 3 }, (_, i) => (i % 11 < 5 ? 200 : (i * 31) & 0xff));
    expect(decodeRleFrame(encodeRleFrame(rgb, 9, 13, 3, 8), 9, 13, 3, 8)).toEqual(rgb);
    const grey16 = ramp(20 * 7 * 2, 3);
    expect(decodeRleFrame(encodeRleFrame(grey16, 7, 20, 1, 16), 7, 20, 1, 16)).toEqual(grey16);
  });

  it('rejects a frame whose segment count does not match the image', () => {
    const frame = encodeRleFrame(ramp(16), 4, 4, 1, 8);
    expect(() => decodeRleFrame(frame, 4, 4, 3, 8)).toThrow(/segment count/);
  });
});

describe('pixel source, decode and write', () => {
  it('decodes big-endian 16-bit pixels and writes them back big-endian, in place', () => {
    const values = [1, 258, 65535, 4096];
    const be = new Uint8Array(8);
    values.forEach((v, i) => new DataView(be.buffer).setUint16(i * 2, v, false));
    const bytes = image('1.2.840.10008.1.2.2', be, { rows: 2, cols: 2, spp: 1, bits: 16, le: false });
    const source = readPixelSource(bytes);
    expect(source?.description).toMatchObject({ rows: 2, columns: 2, bitsAllocated: 16 });
    const decoded = decodePixels(source!);
    const le = new DataView(decoded.frames[0]!.buffer, decoded.frames[0]!.byteOffset);
    expect(values.map((_, i) => le.getUint16(i * 2, true))).toEqual(values);
    decoded.frames[0]!.fill(0, 0, 2);
    const out = writePixels(source!, decoded);
    expect(out.transferSyntaxUid).toBe('1.2.840.10008.1.2.2');
    expect(out.bytes.length).toBe(bytes.length);
    expect([...out.bytes.subarray(-8)]).toEqual([0, 0, ...be.subarray(2)]);
  });

  it('decodes implicit VR little endian and planar RGB into interleaved samples', () => {
    const planar = Uint8Array.from([1, 2, 3, 4, 10, 20, 30, 40, 100, 110, 120, 130]);
    const bytes = image('1.2.840.10008.1.2', planar, { rows: 2, cols: 2, spp: 3, bits: 8, explicit: false, planar: 1 });
    const source = readPixelSource(bytes)!;
    const decoded = decodePixels(source);
    expect([...decoded.frames[0]!.subarray(0, 6)]).toEqual([1, 10, 100, 2, 20, 110]);
    const out = writePixels(source, decoded);
    expect(out.bytes).toEqual(bytes);
  });

  it('writes an RLE multi-frame file as explicit VR little endian with the same pixels', () => {
    const frames = [ramp(64, 3), ramp(64, 5), ramp(64, 11)];
    const el = encapsulated(frames.map((f) => encodeRleFrame(f, 8, 8, 1, 8)));
    const bytes = image('1.2.840.10008.1.2.5', new Uint8Array(), { rows: 8, cols: 8, spp: 1, bits: 8, frames: 3, pixelEl: el });
    const source = readPixelSource(bytes)!;
    expect(source.fragments).toHaveLength(3);
    const decoded = decodePixels(source);
    expect(decoded.frames).toEqual(frames);
    const out = writePixels(source, decoded);
    expect(out.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    const again = readPixelSource(out.bytes)!;
    expect(again.transferSyntax.codec).toBe('native');
    expect(decodePixels(again, [2]).frames[0]).toEqual(frames[2]);
    expect(elementString(again.walked, 0x00280301)).toBe('YES');
  });

  it('refuses transfer syntaxes it cannot decode with DLN_DICOM_UNSUPPORTED', () => {
    const bytes = image('1.2.840.10008.1.2.4.90', new Uint8Array(), { rows: 2, cols: 2, spp: 1, bits: 8, pixelEl: encapsulated([Uint8Array.from([0xff, 0x4f])]) });
    expect(() => decodePixels(readPixelSource(bytes)!)).toThrow(expect.objectContaining({ code: 'DLN_DICOM_UNSUPPORTED' }));
  });

  it('edits, inserts and removes top-level attributes, keeping the file meta group length right', () => {
    const bytes = image('1.2.840.10008.1.2.1', ramp(4), { rows: 2, cols: 2, spp: 1, bits: 8 });
    const walked = walkDicom(bytes);
    const out = editTopLevel(
      walked,
      [
        { tag: 0x00280301, vr: 'CS', value: textValue('NO') },
        { tag: 0x00080070, vr: 'LO', value: textValue('ACME') },
        { tag: 0x00080060, vr: 'CS', value: undefined },
      ],
      '1.2.840.10008.1.2.1',
    );
    const again = walkDicom(out);
    expect(elementString(again, 0x00280301)).toBe('NO');
    expect(elementString(again, 0x00080070)).toBe('ACME');
    expect(elementString(again, 0x00080060)).toBeUndefined();
    expect(again.elements.map((e) => e.tag)).toEqual([...again.elements.map((e) => e.tag)].sort((a, b) => a - b));
  });

  it('reports a truncated file as DLN_DICOM_INVALID', () => {
    const bytes = image('1.2.840.10008.1.2.1', ramp(64), { rows: 8, cols: 8, spp: 1, bits: 8 });
    expect(() => readPixelSource(bytes.subarray(0, bytes.length - 10))).toThrow(expect.objectContaining({ code: 'DLN_DICOM_INVALID' }));
  });
});

describe('JPEG 2000 and JPEG-LS (WebAssembly decoders)', () => {
  /**
   * Compresses a frame with the library's own encoder (lossless) in a child process: Embind
   * lets each build be instantiated once per process, and this one holds the decoders.
   */
  function encodeInChild(library: 'openjpeg' | 'charls', pixels: Uint8Array, info: object, interleaveMode?: number): Uint8Array {
    const [spec, cls] = library === 'openjpeg' ? ['@cornerstonejs/codec-openjpeg/wasmjs', 'J2KEncoder'] : ['@cornerstonejs/codec-charls/wasmjs', 'JpegLSEncoder'];
    const script = `
      const q = { print() {}, printErr() {} };
      require(${JSON.stringify(spec)})(q).then((m) => {
        const e = new m.${cls}();
        ${interleaveMode === undefined ? '' : `e.setInterleaveMode(${interleaveMode});`}
        e.getDecodedBuffer(${JSON.stringify(info)}).set(Buffer.from(process.argv[1], 'base64'));
        e.encode();
        process.stdout.write(Buffer.from(e.getEncodedBuffer()).toString('base64'));
      });`;
    const run = spawnSync(process.execPath, ['-e', script, Buffer.from(pixels).toString('base64')], { encoding: 'utf8', cwd: fileURLToPath(new URL('.', import.meta.url)) });
    if (run.status !== 0) throw new Error(run.stderr);
    return new Uint8Array(Buffer.from(run.stdout, 'base64'));
  }
  const file = (ts: string, frame: Uint8Array, spp: number, bits: number, rows: number, cols: number) => image(ts, new Uint8Array(), { rows, cols, spp, bits, pixelEl: encapsulated([frame]) });

  it('refuses them until the decoders are loaded, then decodes 16-bit grey JPEG 2000 and RGB JPEG-LS losslessly', async () => {
    // OpenJPEG's default five decomposition levels need at least 32 pixels a side.
    const grey = Uint8Array.from({ length: 64 * 48 * 2 }, (_, i) => (i % 2 ? (i >> 7) & 0x0f : (i * 13) & 0xff));
    const rgb = Uint8Array.from({ length: 8 * 6 * 3 }, (_, i) => (i * 29) & 0xff);
    const j2k = encodeInChild('openjpeg', grey, { width: 64, height: 48, bitsPerSample: 16, componentCount: 1, isSigned: false, isUsingColorTransform: false });
    const lsInfo = { width: 8, height: 6, bitsPerSample: 8, componentCount: 3, isSigned: false };
    const ls = encodeInChild('charls', rgb, lsInfo, 2);
    // Interleave mode 0 stores planes: the encoder takes R…G…B… and the decoder must interleave.
    const planes = Uint8Array.from({ length: rgb.length }, (_, i) => rgb[(i % 48) * 3 + Math.floor(i / 48)] ?? 0);
    const lsPlanar = encodeInChild('charls', planes, lsInfo, 0);
    expect(j2k.subarray(0, 2)).toEqual(Uint8Array.from([0xff, 0x4f]));

    const j2kSource = readPixelSource(file('1.2.840.10008.1.2.4.90', j2k, 1, 16, 48, 64))!;
    if (!wasmCodecsLoaded()) expect(() => decodePixels(j2kSource)).toThrow(expect.objectContaining({ code: 'DLN_DICOM_UNSUPPORTED' }));
    await loadWasmCodecs();
    expect(decodePixels(j2kSource).frames[0]).toEqual(grey);
    const decoded = decodePixels(readPixelSource(file('1.2.840.10008.1.2.4.80', ls, 3, 8, 6, 8))!);
    expect(decoded.frames[0]).toEqual(rgb);
    expect(decoded.lossy).toBe(false);
    expect(decodePixels(readPixelSource(file('1.2.840.10008.1.2.4.80', lsPlanar, 3, 8, 6, 8))!).frames[0]).toEqual(rgb);
  });
});

/**
 * A minimal lossless JPEG encoder (ITU T.81 process 14, SOF3, first-order prediction, one
 * Huffman table giving every difference category a 5-bit code), so the decoder has a known answer.
 */
function encodeLosslessJpeg(samples: readonly number[], width: number, height: number, precision: number): Uint8Array {
  const out: number[] = [0xff, 0xd8];
  const segment = (marker: number, body: number[]): void => {
    out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body);
  };
  const bits = new Array<number>(16).fill(0);
  bits[4] = 17; // 17 symbols (categories 0–16), all 5-bit codes: 00000, 00001, …
  segment(0xc4, [0x00, ...bits, ...Array.from({ length: 17 }, (_, i) => i)]);
  segment(0xc3, [precision, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]);
  segment(0xda, [1, 1, 0x00, 1, 0, 0]);
  let acc = 0;
  let n = 0;
  const put = (value: number, count: number): void => {
    for (let i = count - 1; i >= 0; i--) {
      acc = (acc << 1) | ((value >> i) & 1);
      if (++n === 8) {
        out.push(acc);
        if (acc === 0xff) out.push(0);
        acc = 0;
        n = 0;
      }
    }
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const prediction = x === 0 && y === 0 ? 1 << (precision - 1) : y === 0 || x > 0 ? (samples[i - 1] ?? 0) : (samples[i - width] ?? 0);
      let diff = ((samples[i] ?? 0) - prediction) % 65536;
      if (diff > 32768) diff -= 65536;
      if (diff < -32767) diff += 65536;
      const category = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
      put(category, 5);
      if (category > 0 && category < 16) put(diff > 0 ? diff : diff - 1 + (1 << category), category);
    }
  }
  if (n > 0) put(0x7f, 8 - n);
  out.push(0xff, 0xd9);
  return Uint8Array.from(out);
}

describe('JPEG lossless (process 14)', () => {
  it('decodes 16-bit grey frames to the encoded samples', () => {
    const width = 19;
    const height = 7;
    const samples = Array.from({ length: width * height }, (_, i) => (i * 977 + (i % 5) * 40000) % 65536);
    const stream = encodeLosslessJpeg(samples, width, height, 16);
    const bytes = image('1.2.840.10008.1.2.4.70', new Uint8Array(), { rows: height, cols: width, spp: 1, bits: 16, pixelEl: encapsulated([stream]) });
    const frame = decodePixels(readPixelSource(bytes)!).frames[0]!;
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    expect(Array.from({ length: width * height }, (_, i) => view.getUint16(i * 2, true))).toEqual(samples);
  });

  it('decodes 8-bit grey', () => {
    const samples = Array.from({ length: 12 * 5 }, (_, i) => (i * 37) & 0xff);
    const bytes = image('1.2.840.10008.1.2.4.57', new Uint8Array(), { rows: 5, cols: 12, spp: 1, bits: 8, pixelEl: encapsulated([encodeLosslessJpeg(samples, 12, 5, 8)]) });
    expect([...decodePixels(readPixelSource(bytes)!).frames[0]!]).toEqual(samples);
  });
});
