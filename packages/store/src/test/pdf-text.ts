import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pdfLib = require('pdf-lib') as typeof import('pdf-lib');

/**
 * The strings a PDF shows, page by page in drawing order: every `<hex> Tj` of each content
 * stream mapped back to text through its font's ToUnicode CMap (the embedded subsets number
 * glyphs their own way, so the CMap is the only honest way back). For tests of the documents.
 */
export async function pdfStrings(bytes: Uint8Array): Promise<string[][]> {
  const doc = await pdfLib.PDFDocument.load(bytes, { updateMetadata: false });
  const { PDFArray, PDFDict, PDFName, decodePDFRawStream } = pdfLib;
  const decode = (s: unknown): string => Buffer.from(decodePDFRawStream(s as import('pdf-lib').PDFRawStream).decode()).toString('latin1');
  return doc.getPages().map((page) => {
    const fonts = page.node.Resources()?.lookup(PDFName.of('Font'), PDFDict);
    const cmaps = new Map<string, Map<string, string>>();
    for (const [name, ref] of fonts?.entries() ?? []) {
      const font = doc.context.lookup(ref, PDFDict);
      const toUnicode = font.lookup(PDFName.of('ToUnicode'));
      const map = new Map<string, string>();
      if (toUnicode) {
        for (const m of decode(toUnicode).matchAll(/<([0-9a-fA-F]{4})> <([0-9a-fA-F]+)>/g)) {
          const units = (m[2] ?? '').match(/.{4}/g) ?? [];
          map.set((m[1] ?? '').toLowerCase(), String.fromCharCode(...units.map((u) => Number.parseInt(u, 16))));
        }
      }
      cmaps.set(name.asString(), map);
    }
    const contents = page.node.Contents();
    const streams = contents instanceof PDFArray ? contents.asArray().map((r) => doc.context.lookup(r)) : [contents];
    const out: string[] = [];
    let font = new Map<string, string>();
    for (const stream of streams) {
      for (const m of decode(stream).matchAll(/(\/[^\s/]+) [\d.]+ Tf|<([0-9a-fA-F]*)> Tj/g)) {
        if (m[1]) font = cmaps.get(m[1]) ?? new Map();
        else out.push(((m[2] ?? '').toLowerCase().match(/.{4}/g) ?? []).map((g) => font.get(g) ?? '\uFFFD').join(''));
      }
    }
    return out;
  });
}
