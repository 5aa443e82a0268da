export { RLE8, decodeRle8, encodeRle8, labelsInRle8, type DecodeResult } from './encoding/rle';
