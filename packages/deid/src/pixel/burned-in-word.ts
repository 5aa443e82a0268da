import type { PixelFinding } from '../pipeline-types';
import type { GreyImage } from './grey-image';
import type { OcrEngine, PixelRect, TextBox } from './ocr';
import { defaultOcrPasses, glyphStrokes, sameWord, scaledBack, type OcrPass } from './ocr-passes';
import { rectContains } from './rules';

/**
 * What a word the OCR found needs to count as burned-in text. One policy for DICOM frames and
 * sampled video frames, so the image gate and the video gate decide the same word the same way.
 */
export interface BurnedInWordPolicy {
  /** OCR word confidence (0–100) at or above which a word counts: low, since a missed name costs more than a second look. */
  readonly minConfidence: number;
  /** Letters and digits a word needs to count (single glyphs are usually markers, not text). */
  readonly minCharacters: number;
  /**
   * Grey levels (of 255) between the word box's 2nd and 98th percentile a word needs to count
   * (default 80). Devices draw burned-in text as saturated glyphs (the shared ultrasound's banner
   * spans 158 levels, the endoscopy stills' 254); OCR also "reads" words in the low-contrast
   * texture of a photograph (the WG-04 fundus: 14 to 34 levels in vessels and choroid), which
   * no reader could read as text.
   */
  readonly minGlyphContrast?: number;
  /** The pictures of each frame OCR reads (default: the frame, then its glyph strokes; see ocr-passes.ts). */
  readonly ocrPasses?: readonly OcrPass[];
}

const DEFAULT_GLYPH_CONTRAST = 80;

/** The spread of grey levels in a box (98th minus 2nd percentile): glyph against background. */
export function glyphContrast(image: GreyImage, box: PixelRect): number {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(image.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(image.height, Math.ceil(box.y + box.height));
  const histogram = new Uint32Array(256);
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      histogram[image.data[y * image.width + x]!]!++;
      n++;
    }
  }
  if (n === 0) return 0;
  const level = (fraction: number) => {
    const rank = Math.min(n - 1, Math.floor(fraction * n));
    for (let v = 0, seen = 0; v < 256; v++) if ((seen += histogram[v]!) > rank) return v;
    return 255;
  };
  return level(0.98) - level(0.02);
}

/**
 * Whether a word the OCR found in `image` is burned-in text: confident enough, long enough,
 * drawn with glyph contrast, and outside the regions where a device's text is expected
 * (`allowedText`, from the pixel rules; none for a video).
 */
export function isBurnedInWord(image: GreyImage, word: TextBox, policy: BurnedInWordPolicy, allowedText: readonly PixelRect[] = []): boolean {
  if (word.confidence < policy.minConfidence || word.characters < policy.minCharacters) return false;
  if (glyphContrast(image, word.box) < (policy.minGlyphContrast ?? DEFAULT_GLYPH_CONTRAST)) return false;
  return !allowedText.some((a) => rectContains(a, word.box));
}

/** Letters and digits a word read on a stroke picture needs, on top of {@link isBurnedInWord}. */
const STROKE_MIN_CHARACTERS = 4;

/**
 * The OCR stage on one grey frame: the words that count as burned-in text (boxes and confidences,
 * never text). Every pass's words are judged by {@link isBurnedInWord} on the frame itself, so a
 * pass can find more words but never loosen the rule; a word two passes find is kept once.
 */
export async function findBurnedInWords(ocr: OcrEngine, image: GreyImage, policy: BurnedInWordPolicy, allowedText: readonly PixelRect[] = []): Promise<TextBox[]> {
  const found: TextBox[] = [];
  for (const pass of policy.ocrPasses ?? defaultOcrPasses) {
    let words: TextBox[];
    let minCharacters = policy.minCharacters;
    if (pass === 'plain') words = await ocr.findText(image);
    else {
      // Strokes at half the glyph contrast: a glyph's pixels are measured against a neighbourhood that holds some of its own ink.
      const scale = pass.endsWith('-enlarged') ? 2 : 1;
      const strokes = glyphStrokes(image, pass.startsWith('bright') ? 1 : pass.startsWith('dark') ? -1 : 0, (policy.minGlyphContrast ?? DEFAULT_GLYPH_CONTRAST) / 2, scale);
      words = strokes ? (await ocr.findText(strokes)).map((w) => scaledBack(w, scale)) : [];
      // Flattened, a fundus field's rim, Doppler speckle and a clip's disc edge break into two- and three-glyph "words".
      minCharacters = Math.max(minCharacters, STROKE_MIN_CHARACTERS);
    }
    for (const word of words) {
      if (word.characters >= minCharacters && isBurnedInWord(image, word, policy, allowedText) && !found.some((f) => sameWord(f.box, word.box))) found.push(word);
    }
  }
  return found;
}

/** The finding for a burned-in word: the frame, the box and the OCR's confidence, never the text. */
export function burnedInTextFinding(word: TextBox, frame: number): PixelFinding {
  return { kind: 'burned-in-text', frame, region: { ...word.box, frame, source: 'ocr' }, detail: `confidence ${Math.round(word.confidence)}` };
}
