import type { OctBoundary } from '@delineate/core';
import { emptyHeyexBoundaries, heyexDate, heyexLineBoundary, type HeyexExport, invalidHeyex, putHeyexLine } from './heyex-export';

/** The 17 segmentation lines of a VOL B-scan header, in file order. */
const VOL_LINES = ['ILM', 'BM', 'RNFL', 'GCL', 'IPL', 'INL', 'OPL', 'ONL', 'ELM', 'IOS', 'OPT', 'CHO', 'VIT', 'ANT', 'PR1', 'PR2', 'RPE'] as const;
const FILE_HEADER = 2048;

function text(bytes: Uint8Array, offset: number, length: number): string {
  let out = '';
  for (let i = offset; i < offset + length && bytes[i] !== 0; i++) out += String.fromCharCode(bytes[i]!);
  return out.trim();
}

/**
 * Reads a Heidelberg Heyex VOL export: a 2,048-byte header (sizes, scales in mm, eye, patient
 * fields), the SLO localizer (8-bit), then per B-scan a header (its line on the localizer in mm,
 * `NumSeg` segmentation vectors of float32 heights) and the B-scan as float32 reflectance, shown
 * as 255 · x^¼ as Heyex does. Files written by eyepy carry its own version string instead of
 * `HSF-OCT-` and the same layout.
 */
export function readHeyexVol(bytes: Uint8Array): HeyexExport {
  const magic = text(bytes, 0, 12);
  if (bytes.length < FILE_HEADER || !(magic.startsWith('HSF-OCT-') || magic.startsWith('ep-v'))) invalidHeyex('Not a Heyex VOL file (its version string differs)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascans = view.getInt32(12, true);
  const bscans = view.getInt32(16, true);
  const rows = view.getInt32(20, true);
  const [scaleX, distance, scaleY] = [view.getFloat64(24, true), view.getFloat64(32, true), view.getFloat64(40, true)];
  const sloWidth = view.getInt32(48, true);
  const sloHeight = view.getInt32(52, true);
  const sloScale = view.getFloat64(56, true);
  const eye = text(bytes, 84, 4);
  for (const n of [ascans, bscans, rows, sloWidth, sloHeight]) if (!Number.isInteger(n) || n < 1 || n > 4096) invalidHeyex('The VOL header gives sizes out of range');
  if (!(scaleX > 0 && scaleY > 0 && sloScale > 0) || !(distance > 0 || bscans === 1)) invalidHeyex('The VOL header gives no positive scales');
  if (eye !== 'OD' && eye !== 'OS') invalidHeyex('The VOL header names no eye (OD or OS)');
  const sloEnd = FILE_HEADER + sloWidth * sloHeight;
  if (sloEnd + 16 > bytes.length) invalidHeyex('The VOL file ends inside its localizer');
  // Each B-scan header states its own size; the file header's copy is not always filled in.
  const bscanHeader = view.getInt32(sloEnd + 12, true);
  const bscanBytes = bscanHeader + ascans * rows * 4;
  if (bscanHeader < 256 || sloEnd + bscans * bscanBytes !== bytes.length) invalidHeyex('The VOL file length does not match its sizes');

  const geometry = { bscans, ascans, rows, ascanSpacingUm: scaleX * 1000, bscanSpacingUm: (distance || scaleX) * 1000, axialUmPerPixel: scaleY * 1000, laterality: eye } as const;
  const boundaries = emptyHeyexBoundaries(geometry);
  const segmented = new Set<OctBoundary>();
  const pixels = new Uint8Array(bscans * rows * ascans);
  const frameLines: HeyexExport['frameLines'][number][] = [];
  for (let s = 0; s < bscans; s++) {
    const at = sloEnd + s * bscanBytes;
    const [startX, startY, endX, endY] = [16, 24, 32, 40].map((o) => view.getFloat64(at + o, true) / sloScale) as [number, number, number, number];
    frameLines.push({ start: [startY, startX], end: [endY, endX] });
    const lines = view.getInt32(at + 48, true);
    const offset = view.getInt32(at + 52, true);
    if (lines < 0 || lines > VOL_LINES.length || offset + lines * ascans * 4 > bscanHeader) invalidHeyex('A VOL B-scan header gives segmentation out of its bounds');
    for (let line = 0; line < lines; line++) {
      const boundary = heyexLineBoundary[VOL_LINES[line]!];
      if (!boundary) continue;
      const heights = new Float32Array(ascans);
      for (let a = 0; a < ascans; a++) heights[a] = view.getFloat32(at + offset + (line * ascans + a) * 4, true);
      putHeyexLine(boundaries, boundary, s, heights);
      segmented.add(boundary);
    }
    const data = at + bscanHeader;
    for (let i = 0; i < rows * ascans; i++) {
      const value = view.getFloat32(data + i * 4, true);
      // FLT_MAX marks samples outside the scan; reflectance is 0–1, anything above saturates.
      pixels[s * rows * ascans + i] = value >= 3e38 || !(value > 0) ? 0 : value >= 1 ? 255 : Math.round(255 * Math.sqrt(Math.sqrt(value)));
    }
  }
  const examDays = Number(view.getBigUint64(88, true)) / 864e9 - 109_205;
  return {
    geometry,
    bscans: pixels,
    localizer: { width: sloWidth, height: sloHeight, pixelUm: sloScale * 1000, pixels: bytes.slice(FILE_HEADER, sloEnd) },
    frameLines,
    identity: {
      patientName: '',
      patientId: text(bytes, 140, 21),
      birthDate: heyexDate(view.getFloat64(164, true)),
      sex: '',
      studyDate: heyexDate(examDays) || '19000101',
      manufacturer: 'Heidelberg Engineering',
      model: 'Spectralis',
    },
    boundaries,
    segmented: [...segmented],
  };
}
