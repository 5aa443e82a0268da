import { DelineateError } from '@delineate/schema';

/**
 * JPEG 2000 (OpenJPEG) and JPEG-LS (CharLS) decoders compiled to WebAssembly. They load
 * asynchronously, once per process: call {@link loadWasmCodecs} before decoding those transfer
 * syntaxes; until then they are reported as unsupported.
 */
export interface RawFrame {
  readonly width: number;
  readonly height: number;
  readonly components: number;
  readonly bitsPerSample: number;
  /** Samples interleaved, little-endian. */
  readonly data: Uint8Array;
}

type Decoder = (bits: Uint8Array) => RawFrame;

let jpeg2000: Decoder | undefined;
let jpegLs: Decoder | undefined;
let loading: Promise<void> | undefined;

const quiet = { print: () => undefined, printErr: () => undefined };

function interleaveLines(data: Uint8Array, width: number, height: number, components: number, bytes: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let c = 0; c < components; c++) {
      for (let x = 0; x < width; x++) {
        for (let b = 0; b < bytes; b++) out[((y * width + x) * components + c) * bytes + b] = data[((y * components + c) * width + x) * bytes + b] ?? 0;
      }
    }
  }
  return out;
}

/** Loads both WebAssembly decoders (idempotent). */
export function loadWasmCodecs(): Promise<void> {
  loading ??= (async () => {
    // Embind registers classes process-wide: each build can be instantiated once per process, and
    // the decode-only builds are the ones that coexist.
    // Imported here, not at the top: most commands never decode JPEG 2000 or JPEG-LS.
    const [{ default: openJpegFactory }, { default: charlsFactory }] = await Promise.all([
      import('@cornerstonejs/codec-openjpeg/decodewasmjs'),
      import('@cornerstonejs/codec-charls/decodewasmjs'),
    ]);
    const [openjpeg, charls] = await Promise.all([openJpegFactory(quiet), charlsFactory(quiet)]);
    jpeg2000 = (bits) => {
      const decoder = new openjpeg.J2KDecoder();
      try {
        decoder.getEncodedBuffer(bits.length).set(bits);
        decoder.decode();
        const info = decoder.getFrameInfo();
        return { width: info.width, height: info.height, components: info.componentCount, bitsPerSample: info.bitsPerSample, data: new Uint8Array(decoder.getDecodedBuffer()) };
      } finally {
        decoder.delete();
      }
    };
    jpegLs = (bits) => {
      const decoder = new charls.JpegLSDecoder();
      try {
        decoder.getEncodedBuffer(bits.length).set(bits);
        decoder.decode();
        const info = decoder.getFrameInfo();
        const bytes = info.bitsPerSample > 8 ? 2 : 1;
        let data: Uint8Array = new Uint8Array(decoder.getDecodedBuffer());
        // CharLS returns planes (mode 0) or lines (mode 1) as stored; pixels are wanted interleaved.
        const mode = info.componentCount > 1 ? decoder.getInterleaveMode() : 2;
        if (mode === 0) data = interleaveLines(data, info.width * info.height, 1, info.componentCount, bytes);
        if (mode === 1) data = interleaveLines(data, info.width, info.height, info.componentCount, bytes);
        return { width: info.width, height: info.height, components: info.componentCount, bitsPerSample: info.bitsPerSample, data };
      } finally {
        decoder.delete();
      }
    };
  })();
  return loading;
}

export function wasmCodecsLoaded(): boolean {
  return jpeg2000 !== undefined && jpegLs !== undefined;
}

export function wasmDecoder(codec: 'jpeg2000' | 'jpeg-ls'): Decoder {
  const decoder = codec === 'jpeg2000' ? jpeg2000 : jpegLs;
  if (!decoder) throw new DelineateError('DLN_DICOM_UNSUPPORTED', 'The WebAssembly decoder is not loaded (call loadWasmCodecs first)', { codec });
  return decoder;
}
