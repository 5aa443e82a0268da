// Run by ocr.test.ts in a child process whose network calls are trapped: reads the banner rows
// of the DICOM file named in argv[2] with OCR and prints how many words were found and how long
// one warm frame took.
import { readFileSync } from 'node:fs';
import { decodePixels, readPixelSource } from '@delineate/formats';
import { toGreyImage } from './grey-image';
import { createOcrEngine } from './ocr';

const path = process.argv[2];
if (!path) throw new Error('usage: ocr-offline-child <dicom file>');
const source = readPixelSource(new Uint8Array(readFileSync(path)));
if (!source) throw new Error('no pixel data');
const image = toGreyImage(decodePixels(source, [0]), 0);
const engine = createOcrEngine();
const cold = performance.now();
const words = await engine.findText(image);
const coldMs = performance.now() - cold;
const warm = performance.now();
await engine.findText(image);
const warmMs = performance.now() - warm;
await engine.close();
process.stdout.write(`${JSON.stringify({ words: words.length, coldMs, warmMs })}\n`);
