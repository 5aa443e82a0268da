import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Decoded RGB pixels, row by row. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

function vips(args: string[]): void {
  const run = spawnSync('vips', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`vips ${args[0]} failed: ${run.stderr || run.error?.message}`);
}

function readPpm(path: string): RgbImage {
  const bytes = readFileSync(path);
  // Header: P6, width, height, maxval, separated by whitespace; vips adds a # comment line.
  const fields: string[] = [];
  let at = 0;
  while (fields.length < 4) {
    while (/\s/.test(String.fromCharCode(bytes[at]!))) at++;
    if (bytes[at] === 0x23) {
      while (bytes[at] !== 0x0a) at++;
      continue;
    }
    let field = '';
    while (!/\s/.test(String.fromCharCode(bytes[at]!))) field += String.fromCharCode(bytes[at++]!);
    fields.push(field);
  }
  if (fields[0] !== 'P6' || fields[3] !== '255') throw new Error('not an 8-bit RGB PPM');
  const width = Number(fields[1]);
  const height = Number(fields[2]);
  return { width, height, data: new Uint8Array(bytes.subarray(at + 1, at + 1 + width * height * 3)) };
}

/**
 * A smooth, colourful test slide (gradients, waves and dark discs like nuclei): JPEG keeps such
 * an image close to its source, so decoded tiles compare within a small tolerance.
 */
export function writeTestImage(dir: string, width: number, height: number): string {
  const header = Buffer.from(`P6\n${width} ${height}\n255\n`);
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      const nucleus = ((x % 97) - 48) ** 2 + ((y % 89) - 44) ** 2 < 300;
      data[p] = nucleus ? 70 : Math.round(200 + 50 * Math.sin(x / 60));
      data[p + 1] = nucleus ? 40 : Math.round(120 + 80 * Math.cos(y / 45));
      data[p + 2] = nucleus ? 140 : Math.round((255 * x) / width);
    }
  }
  const path = join(dir, 'source.ppm');
  writeFileSync(path, Buffer.concat([header, data]));
  return path;
}

/** Converts as slide ingest does: pyramidal JPEG BigTIFF, 256² tiles, Q 85; RGB-encoded tiles when asked. */
export function convertToPyramid(source: string, target: string, options: { rgbJpeg?: boolean } = {}): string {
  vips(['tiffsave', source, target, '--tile', '--pyramid', '--compression', 'jpeg', '--Q', '85', '--bigtiff', '--tile-width', '256', '--tile-height', '256', ...(options.rgbJpeg ? ['--rgbjpeg'] : [])]);
  return target;
}

/** Decodes a JPEG with vips (libjpeg), not with anything of ours. */
export function vipsDecodeJpeg(dir: string, jpeg: Uint8Array, name = 'tile'): RgbImage {
  const input = join(dir, `${name}.jpg`);
  const output = join(dir, `${name}.ppm`);
  writeFileSync(input, jpeg);
  vips(['copy', input, output]);
  return readPpm(output);
}

/** A region of one pyramid level as vips decodes it through libtiff (the reference). */
export function vipsRegion(pyramid: string, page: number, x: number, y: number, width: number, height: number, dir: string): RgbImage {
  const output = join(dir, `region-${page}-${x}-${y}.ppm`);
  vips(['extract_area', `${pyramid}[page=${page}]`, output, String(x), String(y), String(width), String(height)]);
  return readPpm(output);
}

/** The largest difference of any sample between two images of the same size. */
export function maxDifference(a: RgbImage, b: RgbImage): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`sizes differ: ${a.width}×${a.height} and ${b.width}×${b.height}`);
  let max = 0;
  for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i]! - b.data[i]!));
  return max;
}

/** The mean absolute difference per sample. */
export function meanDifference(a: RgbImage, b: RgbImage): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / a.data.length;
}
