import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DelineateError } from '@delineate/schema';
import type { PDFFont, PDFPage } from 'pdf-lib';
import type { Fontkit } from 'pdf-lib/cjs/types/fontkit';
import { releaseFacts, type Block, type DocumentLayout } from './layout';
import { stripFigure, type Figure } from './plot';

// pdf-lib and fontkit ship CommonJS (UMD) builds; require keeps one loading path under tsx and vitest.
const require = createRequire(import.meta.url);

let pdfModules: { pdfLib: typeof import('pdf-lib'); fontkit: Fontkit } | undefined;
/**
 * Loaded on the first document rendered, not when the store is imported: fontkit alone took
 * about 0.9 s of every process that opens the store (`delineate start`, each CLI command, each
 * test file), although only a release's documents draw a PDF.
 */
function pdfModulesLoaded(): { pdfLib: typeof import('pdf-lib'); fontkit: Fontkit } {
  pdfModules ??= { pdfLib: require('pdf-lib') as typeof import('pdf-lib'), fontkit: require('@pdf-lib/fontkit') as Fontkit };
  return pdfModules;
}

const PAGE: [number, number] = [595.28, 841.89]; // A4
const MARGIN = 56;
const TEXT = 9.5;
const SMALL = 8.5;

let fonts: { regular: Uint8Array; bold: Uint8Array } | undefined;

/**
 * The one font PDFs embed: DejaVu Sans from the pinned `dejavu-fonts-ttf` package, read from
 * node_modules and never from the system, so every machine embeds the same glyphs.
 */
function fontFiles(): { regular: Uint8Array; bold: Uint8Array } {
  if (fonts) return fonts;
  try {
    const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    fonts = { regular: readFileSync(join(dir, 'DejaVuSans.ttf')), bold: readFileSync(join(dir, 'DejaVuSans-Bold.ttf')) };
    return fonts;
  } catch {
    throw new DelineateError('DLN_DOCUMENT_FONT_MISSING', 'The pinned document font (dejavu-fonts-ttf) is not installed');
  }
}

interface Pen {
  readonly doc: import('pdf-lib').PDFDocument;
  readonly regular: PDFFont;
  readonly bold: PDFFont;
  page: PDFPage;
  /** Distance from the top edge of the page to the next line's top. */
  y: number;
}

const width = PAGE[0] - 2 * MARGIN;
const grey = (v: number) => pdfModulesLoaded().pdfLib.rgb(v, v, v);
function colour(hex: string) {
  const n = Number.parseInt(hex.slice(1), 16);
  return pdfModulesLoaded().pdfLib.rgb(((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255);
}

function newPage(pen: Pen): void {
  pen.page = pen.doc.addPage(PAGE);
  pen.y = MARGIN;
}

function ensure(pen: Pen, height: number): void {
  if (pen.y + height > PAGE[1] - MARGIN) newPage(pen);
}

/** Breaks text into lines that fit `max` points; a word longer than a line (a hash) is cut. */
export function wrap(text: string, font: PDFFont, size: number, max: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      const candidate = line ? `${line} ${word}` : word;
      if (font.widthOfTextAtSize(candidate, size) <= max) {
        line = candidate;
        continue;
      }
      if (line) lines.push(line);
      line = '';
      let rest = word;
      while (font.widthOfTextAtSize(rest, size) > max) {
        let cut = rest.length - 1;
        while (cut > 1 && font.widthOfTextAtSize(rest.slice(0, cut), size) > max) cut--;
        lines.push(rest.slice(0, cut));
        rest = rest.slice(cut);
      }
      line = rest;
    }
    lines.push(line);
  }
  return lines;
}

function text(pen: Pen, value: string, x: number, size: number, font: PDFFont, max: number): number {
  const lines = wrap(value, font, size, max);
  const lineHeight = size * 1.35;
  lines.forEach((line, i) => {
    if (line) pen.page.drawText(line, { x, y: PAGE[1] - pen.y - size - i * lineHeight, size, font, color: grey(0.1) });
  });
  return lines.length * lineHeight;
}

function paragraph(pen: Pen, value: string): void {
  const lines = wrap(value, pen.regular, TEXT, width);
  for (const line of lines) {
    ensure(pen, TEXT * 1.35);
    pen.y += text(pen, line, MARGIN, TEXT, pen.regular, width);
  }
  pen.y += 5;
}

function facts(pen: Pen, rows: ReadonlyArray<readonly [string, string]>): void {
  const keyWidth = 150;
  for (const [k, v] of rows) {
    const h = Math.max(wrap(k, pen.bold, SMALL, keyWidth - 8).length, wrap(v, pen.regular, SMALL, width - keyWidth).length) * SMALL * 1.35;
    ensure(pen, h);
    text(pen, k, MARGIN, SMALL, pen.bold, keyWidth - 8);
    text(pen, v, MARGIN + keyWidth, SMALL, pen.regular, width - keyWidth);
    pen.y += h + 2;
  }
  pen.y += 5;
}

/**
 * Every column gets at least its longest word (no word is broken when the page allows it);
 * the width left over goes to the columns whose text would still wrap, in proportion.
 */
function columnWidths(pen: Pen, columns: readonly string[], rows: ReadonlyArray<readonly string[]>): number[] {
  const measure = (font: PDFFont, s: string, whole: boolean) =>
    whole ? font.widthOfTextAtSize(s, SMALL) : Math.max(0, ...s.split(/\s+/).map((w) => font.widthOfTextAtSize(w, SMALL)));
  const widest = (i: number, whole: boolean) => Math.max(measure(pen.bold, columns[i] ?? '', whole), ...rows.map((r) => measure(pen.regular, r[i] ?? '', whole))) + 8;
  const least = columns.map((_, i) => widest(i, false));
  const natural = columns.map((_, i) => Math.max(widest(i, true), least[i] ?? 0));
  const leastTotal = least.reduce((s, w) => s + w, 0);
  if (leastTotal >= width) return least.map((w) => (w / leastTotal) * width);
  const extra = natural.map((n, i) => n - (least[i] ?? 0));
  const extraTotal = extra.reduce((s, w) => s + w, 0);
  const share = extraTotal === 0 ? 0 : Math.min(1, (width - leastTotal) / extraTotal);
  const widths = least.map((w, i) => w + (extra[i] ?? 0) * share);
  const used = widths.reduce((s, w) => s + w, 0);
  return widths.map((w) => (w / used) * width);
}

function table(pen: Pen, b: Extract<Block, { kind: 'table' }>): void {
  const widths = columnWidths(pen, b.columns, b.rows);
  const rowHeight = (cells: readonly string[], font: PDFFont) => Math.max(...cells.map((c, i) => wrap(c, font, SMALL, (widths[i] ?? 20) - 6).length)) * SMALL * 1.35 + 4;
  const drawRow = (cells: readonly string[], font: PDFFont, shade: boolean) => {
    const h = rowHeight(cells, font);
    let x = MARGIN;
    if (shade) pen.page.drawRectangle({ x: MARGIN, y: PAGE[1] - pen.y - h, width, height: h, color: grey(0.93) });
    cells.forEach((c, i) => {
      const w = widths[i] ?? 20;
      pen.page.drawRectangle({ x, y: PAGE[1] - pen.y - h, width: w, height: h, borderColor: grey(0.7), borderWidth: 0.4 });
      pen.y += 2;
      text(pen, c, x + 3, SMALL, font, w - 6);
      pen.y -= 2;
      x += w;
    });
    pen.y += h;
  };
  ensure(pen, SMALL * 2 + rowHeight(b.columns, pen.bold) * 2);
  pen.y += text(pen, b.caption, MARGIN, SMALL, pen.regular, width) + 2;
  drawRow(b.columns, pen.bold, true);
  const rows = b.rows.length ? b.rows : [[...b.columns.map((_, i) => (i === 0 ? 'None' : ''))]];
  for (const row of rows) {
    if (pen.y + rowHeight(row, pen.regular) > PAGE[1] - MARGIN) {
      newPage(pen);
      drawRow(b.columns, pen.bold, true);
    }
    drawRow(row, pen.regular, false);
  }
  pen.y += 8;
}

function figure(pen: Pen, f: Figure): void {
  const s = Math.min(1, width / f.width);
  ensure(pen, f.height * s);
  const top = pen.y;
  const X = (x: number) => MARGIN + x * s;
  const Y = (y: number) => PAGE[1] - top - y * s;
  for (const shape of f.shapes) {
    switch (shape.t) {
      case 'line':
        pen.page.drawLine({ start: { x: X(shape.x1), y: Y(shape.y1) }, end: { x: X(shape.x2), y: Y(shape.y2) }, thickness: shape.width * s, color: colour(shape.colour) });
        break;
      case 'circle':
        pen.page.drawCircle({ x: X(shape.cx), y: Y(shape.cy), size: shape.r * s, color: colour(shape.colour), opacity: 0.75 });
        break;
      case 'rect':
        pen.page.drawRectangle({ x: X(shape.x), y: Y(shape.y + shape.h), width: shape.w * s, height: shape.h * s, color: colour(shape.colour) });
        break;
      case 'text': {
        const size = shape.size * s;
        const w = pen.regular.widthOfTextAtSize(shape.text, size);
        const x = shape.anchor === 'start' ? X(shape.x) : shape.anchor === 'middle' ? X(shape.x) - w / 2 : X(shape.x) - w;
        pen.page.drawText(shape.text, { x, y: Y(shape.y), size, font: pen.regular, color: grey(0.1) });
        break;
      }
    }
  }
  pen.y += f.height * s + 8;
}

function block(pen: Pen, b: Block): void {
  switch (b.kind) {
    case 'paragraph':
      return paragraph(pen, b.text);
    case 'facts':
      return facts(pen, b.rows);
    case 'table':
      return table(pen, b);
    case 'plot':
      return figure(pen, stripFigure(b.plot));
  }
}

/**
 * A byte-reproducible PDF: no clock (both metadata dates are the freeze time), no random
 * identifier (/ID is derived from the document's JSON), the pinned font embedded as a subset
 * (pdf-lib names subsets from a generator seeded with a constant), and nothing read but that font.
 */
export async function renderPdf(layout: DocumentLayout, sourceJson: string): Promise<Uint8Array> {
  const files = fontFiles();
  const { pdfLib, fontkit } = pdfModulesLoaded();
  const doc = await pdfLib.PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(fontkit);
  const regular = await doc.embedFont(files.regular, { subset: true });
  const bold = await doc.embedFont(files.bold, { subset: true });
  const frozenAt = new Date(layout.release.frozenAt);
  doc.setTitle(`${layout.title}: ${layout.release.name}`);
  doc.setSubject(`Release manifest SHA-256 ${layout.release.manifestHash}`);
  doc.setProducer('Delineate');
  doc.setCreator('Delineate release documents');
  doc.setCreationDate(frozenAt);
  doc.setModificationDate(frozenAt);
  const id = createHash('sha256').update(sourceJson).digest('hex').slice(0, 32);
  doc.context.trailerInfo.ID = doc.context.obj([pdfLib.PDFHexString.of(id), pdfLib.PDFHexString.of(id)]);

  const pen: Pen = { doc, regular, bold, page: doc.addPage(PAGE), y: MARGIN };
  pen.y += text(pen, layout.title, MARGIN, 18, bold, width) + 6;
  facts(pen, releaseFacts(layout.release));
  for (const section of layout.sections) {
    ensure(pen, 60);
    pen.y += 8;
    pen.y += text(pen, section.heading, MARGIN, 12, bold, width) + 4;
    for (const b of section.blocks) block(pen, b);
  }
  const pages = doc.getPages();
  pages.forEach((page, i) => {
    const footer = `${layout.title} · ${layout.release.name} · page ${i + 1} of ${pages.length}`;
    page.drawText(footer, { x: MARGIN, y: MARGIN / 2, size: 7.5, font: regular, color: grey(0.35) });
  });
  return doc.save({ useObjectStreams: false });
}
