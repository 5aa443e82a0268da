// The package ships JavaScript only; this is the part of its API the pixel layer calls.
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    /** Decodes a lossless JPEG bit stream; `numBytes` is the bytes per sample (1 or 2). */
    decode(buffer: ArrayBuffer, offset?: number, length?: number, numBytes?: number): Uint8Array | Uint16Array;
  }
}
