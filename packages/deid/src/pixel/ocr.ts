import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type Tesseract from 'tesseract.js';
import { encodePng, type GreyImage } from './grey-image';

/** A box in pixel coordinates of one frame (x, y of the top-left corner). */
export interface PixelRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A word the OCR engine found: where and how sure, never what it says (the text may be PHI). */
export interface TextBox {
  readonly box: PixelRect;
  readonly confidence: number;
  /** Letters and digits in the word; used to skip specks, never stored. */
  readonly characters: number;
}

export interface OcrEngine {
  /** Finds words in a grey image. */
  findText(image: GreyImage): Promise<TextBox[]>;
  /** Terminates the worker, if one was started. */
  close(): Promise<void>;
}

/** The English LSTM model shipped in `@tesseract.js-data/eng` (no download at run time). */
export function englishLanguagePath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');
}

/**
 * One tesseract.js worker, created on first use and reused for every frame; `close()` ends it.
 * The traineddata is read from the npm package folder and never cached or fetched.
 */
export function createOcrEngine(): OcrEngine {
  let worker: Promise<Tesseract.Worker> | undefined;
  // tesseract.js is imported with the first frame to read, not when the gate's module loads.
  const start = async (): Promise<Tesseract.Worker> => {
    const { default: tesseract } = await import('tesseract.js');
    return tesseract.createWorker('eng', tesseract.OEM.LSTM_ONLY, { langPath: englishLanguagePath(), gzip: true, cacheMethod: 'none' });
  };
  return {
    async findText(image) {
      worker ??= start().catch((error: unknown) => {
        worker = undefined; // a failed start is retried on the next frame, not cached
        throw error;
      });
      const w = await worker;
      const { data } = await w.recognize(Buffer.from(encodePng(image)), {}, { blocks: true, text: false });
      const boxes: TextBox[] = [];
      for (const block of data.blocks ?? []) {
        for (const paragraph of block.paragraphs) {
          for (const line of paragraph.lines) {
            for (const word of line.words) {
              const { x0, y0, x1, y1 } = word.bbox;
              boxes.push({
                box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 },
                confidence: word.confidence,
                characters: word.text.replace(/[^\p{L}\p{N}]/gu, '').length,
              });
            }
          }
        }
      }
      return boxes;
    },
    async close() {
      const w = worker;
      worker = undefined;
      if (w) await (await w).terminate();
    },
  };
}

/**
 * Runs `use` with the engine a caller lent, or with one of its own that it ends afterwards, even
 * when `use` throws (a lent engine is left to its owner, who reads many files with it).
 */
export async function withOcrEngine<T>(lent: OcrEngine | undefined, use: (engine: OcrEngine) => Promise<T>, create: () => OcrEngine = createOcrEngine): Promise<T> {
  const engine = lent ?? create();
  try {
    return await use(engine);
  } finally {
    if (!lent) await engine.close();
  }
}
