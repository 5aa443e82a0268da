import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entryText, readTiff, TIFF_TAG } from '@delineate/formats';
import { requireTestData, synthesizeSlide } from '@delineate/testkit';
import { scrubTiffSlide, scrubTiffSlideFile } from './tiff-slide';

const dir = mkdtempSync(join(tmpdir(), 'delineate-slides-'));

/** Runs a Debian tool on bytes written to a file; undefined when the tool is missing (never under CI). */
function tool(command: string, args: string[], bytes: Uint8Array, name: string): { status: number | null; out: string } | undefined {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const run = spawnSync(command, [...args, path], { encoding: 'utf8' });
  if (run.error) {
    if (process.env.CI === 'true') throw new Error(`${command} is required under CI (Debian package: ${command === 'tiffinfo' ? 'libtiff-tools' : 'libvips-tools'})`);
    return undefined;
  }
  return { status: run.status, out: `${run.stdout}\n${run.stderr}` };
}

const has = (haystack: Uint8Array, needle: string | Uint8Array): boolean => Buffer.from(haystack).includes(typeof needle === 'string' ? Buffer.from(needle, 'latin1') : Buffer.from(needle));

describe('TIFF slide scrubbing', () => {
  it.each([
    ['an Aperio SVS', { style: 'aperio' as const, bigTiff: false }],
    ['a generic BigTIFF slide', { style: 'generic' as const, bigTiff: true }],
  ])('removes the label and macro of %s, bytes included, and every planted value', (_, options) => {
    const slide = synthesizeSlide(options);
    // The fixture really carries what we remove.
    for (const value of Object.values(slide.phi)) expect(has(slide.bytes, value)).toBe(true);
    expect(has(slide.bytes, slide.labelPixels)).toBe(true);

    const result = scrubTiffSlide(slide.bytes);
    expect(result.status).toBe('passed');
    expect(result.removedImages).toEqual([
      { index: 3, kind: 'label' },
      { index: 4, kind: 'macro' },
    ]);
    expect(result.imagesKept).toBe(3);
    for (const value of Object.values(slide.phi)) expect(has(result.bytes, value), value).toBe(false);
    expect(has(result.bytes, slide.labelPixels.subarray(100, 164))).toBe(false);
    expect(has(result.bytes, slide.macroPixels.subarray(100, 164))).toBe(false);

    const out = readTiff(result.bytes);
    expect(out.bigTiff).toBe(options.bigTiff);
    const input = readTiff(slide.bytes);
    // Kept images keep their pixels byte for byte.
    out.images.forEach((image, i) => {
      const source = input.images[i]!;
      expect(image.blocks.map((b) => Buffer.from(result.bytes.subarray(b.offset, b.offset + b.length)).toString('hex'))).toEqual(
        source.blocks.map((b) => Buffer.from(slide.bytes.subarray(b.offset, b.offset + b.length)).toString('hex')),
      );
    });
    const present = new Set(out.images.flatMap((im) => im.entries.map((e) => e.tag)));
    for (const tag of [TIFF_TAG.DocumentName, TIFF_TAG.DateTime, TIFF_TAG.Artist, TIFF_TAG.HostComputer, TIFF_TAG.Software, 700]) expect(present.has(tag)).toBe(false);
    expect(result.metadataActions).toContainEqual({ image: 0, tag: 'DateTime', action: 'removed' });
    expect(JSON.stringify(result)).not.toContain(slide.phi.barcode);
  });

  it('keeps the geometry, MPP and AppMag of an SVS description, and the stain and scanner for composition', () => {
    const result = scrubTiffSlide(synthesizeSlide().bytes);
    const description = entryText(readTiff(result.bytes).images[0]!, TIFF_TAG.ImageDescription)!;
    expect(description).toBe('Aperio Image Library v12.0.15\n128x96 [0,0 128x96] (32x32) RAW/RGB|AppMag = 20|StripeWidth = 992|MPP = 0.4990');
    expect(result.composition).toEqual({ stain: 'H&E', scanner: 'Aperio' });
  });

  it('scrubs the real ScanScope metadata of small.svs in both IFDs and the output stays a readable Aperio slide', () => {
    const input = new Uint8Array(readFileSync(requireTestData('wsi/small.svs')));
    const removed = ['CPAPERIOCS', 'CMU-1', '12/29/09', '09:59:15', 'b414003d-95c6-48b0-9369-8010ed517ba7', '1004486', 'USM Filter'];
    for (const value of removed) expect(has(input, value)).toBe(true);
    const result = scrubTiffSlide(input);
    expect(result.status).toBe('passed');
    expect(result.metadataActions).toEqual([
      { image: 0, tag: 'ImageDescription', action: 'rewritten' },
      { image: 1, tag: 'ImageDescription', action: 'rewritten' },
    ]);
    for (const value of removed) expect(has(result.bytes, value), value).toBe(false);
    expect(has(result.bytes, 'MPP = 0.4990')).toBe(true);

    const info = tool('tiffinfo', [], result.bytes, 'small.svs');
    if (info) {
      expect(info.status).toBe(0);
      expect(info.out).not.toMatch(/error/i);
      expect(info.out.match(/TIFF Directory at offset/g)).toHaveLength(2);
    }
    const vips = tool('vipsheader', ['-a'], result.bytes, 'small-vips.svs');
    if (vips) {
      expect(vips.out).toContain('openslide.vendor: aperio');
      expect(vips.out).toContain('aperio.MPP: 0.4990');
      expect(vips.out).not.toContain('aperio.Filename');
    }
  });

  it('leaves a slide that OpenSlide still reads, with the label and macro gone', () => {
    const slide = synthesizeSlide();
    const before = tool('vipsheader', ['-a'], slide.bytes, 'synthetic-in.svs');
    const result = scrubTiffSlide(slide.bytes);
    const after = tool('vipsheader', ['-a'], result.bytes, 'synthetic-out.svs');
    const info = tool('tiffinfo', [], result.bytes, 'synthetic-out.tif');
    if (info) expect(info.out.match(/TIFF Directory at offset/g)).toHaveLength(3);
    if (!before || !after) return;
    expect(before.out).toMatch(/slide-associated-images: label, macro, thumbnail/);
    expect(after.out).toMatch(/slide-associated-images: thumbnail\b/);
    expect(after.out).toContain('openslide.level[1].width: 64');
  });

  it('scrubs file to file (slides larger than memory) with the same output as in memory', () => {
    const slide = synthesizeSlide({ bigTiff: true, width: 512, height: 256, tile: 64 });
    const input = join(dir, 'input.svs');
    const output = join(dir, 'output.svs');
    writeFileSync(input, slide.bytes);
    const result = scrubTiffSlideFile(input, output);
    const inMemory = scrubTiffSlide(slide.bytes);
    expect(result.status).toBe('passed');
    expect(result.removedImages).toEqual(inMemory.removedImages);
    expect(Buffer.compare(readFileSync(output), inMemory.bytes)).toBe(0);
    expect(result.outputBytes).toBe(inMemory.bytes.length);
  });

  it('quarantines when a removed value is still in the output', () => {
    const slide = synthesizeSlide();
    // The barcode planted again inside a kept tile: metadata scrubbing cannot remove it, the check must see it.
    const bytes = slide.bytes.slice();
    const tile = readTiff(bytes).images[0]!.blocks[0]!;
    bytes.set(new TextEncoder().encode(slide.phi.barcode), tile.offset + 10);
    const result = scrubTiffSlide(bytes);
    expect(result.status).toBe('quarantined');
    // Named by the image whose tile holds it, never by the value.
    expect(result.findings).toEqual([{ kind: 'residual-identifying-value', count: 1, where: 'ifd[0] image data' }]);
  });

  it('rejects a file that is not TIFF', () => {
    expect(() => scrubTiffSlide(new TextEncoder().encode('not a tiff at all'))).toThrow(expect.objectContaining({ code: 'DLN_REQUEST_UNSUPPORTED_MEDIA' }));
  });
});
