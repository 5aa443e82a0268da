// The Emscripten builds ship JavaScript only; this is the part of their API used here.
declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  interface J2KFrameInfo {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
    isSigned: boolean;
  }
  interface J2KDecoder {
    getEncodedBuffer(length: number): Uint8Array;
    getDecodedBuffer(): Uint8Array;
    decode(): void;
    getFrameInfo(): J2KFrameInfo;
    delete(): void;
  }
  interface OpenJpegModule {
    J2KDecoder: new () => J2KDecoder;
  }
  const factory: (options?: { print?: (text: string) => void; printErr?: (text: string) => void }) => Promise<OpenJpegModule>;
  export default factory;
}

declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  interface JpegLSFrameInfo {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
  }
  interface JpegLSDecoder {
    getEncodedBuffer(length: number): Uint8Array;
    getDecodedBuffer(): Uint8Array;
    decode(): void;
    getFrameInfo(): JpegLSFrameInfo;
    getInterleaveMode(): number;
    delete(): void;
  }
  interface CharlsModule {
    JpegLSDecoder: new () => JpegLSDecoder;
  }
  const factory: (options?: { print?: (text: string) => void; printErr?: (text: string) => void }) => Promise<CharlsModule>;
  export default factory;
}
