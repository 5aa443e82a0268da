import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTiff, writeTiff } from '@delineate/formats';
import { synthesizeSlide } from '@delineate/testkit';
import { gateConvertedSlide } from './tiff-slide';

const dir = mkdtempSync(join(tmpdir(), 'delineate-converted-'));

/** A one-tile "converted pyramid" whose pixels and tags the test chooses. */
function pyramid(name: string, pixels: Uint8Array, extra: { tag: number; type: number; value: string }[] = []): string {
  const path = join(dir, name);
  const entries = [
    { tag: 256, type: 3, value: [16] },
    { tag: 257, type: 3, value: [16] },
    { tag: 258, type: 3, value: [8, 8, 8] },
    { tag: 259, type: 3, value: [1] },
    { tag: 262, type: 3, value: [2] },
    { tag: 277, type: 3, value: [3] },
    { tag: 322, type: 3, value: [16] },
    { tag: 323, type: 3, value: [16] },
    ...extra,
  ];
  writeFileSync(path, writeTiff([{ entries, blocks: [pixels], tiled: true }], { bigTiff: true }));
  return path;
}

describe('the slide gate around a conversion', () => {
  const source = join(dir, 'source.svs');
  const slide = synthesizeSlide({ width: 128, height: 96 });
  writeFileSync(source, slide.bytes);

  it('passes a clean pyramid, reports the source\'s label and macro as removed and keeps only structural tags', () => {
    const converted = pyramid('clean.tif', new Uint8Array(16 * 16 * 3).fill(200), [{ tag: 305, type: 2, value: 'vips' }]);
    const output = join(dir, 'clean-out.tif');
    const result = gateConvertedSlide({ source, converted, output });
    expect(result.status).toBe('passed');
    expect(result.removedImages.map((image) => image.kind)).toEqual(['label', 'macro']);
    expect(readTiff(readFileSync(output)).images[0]!.entries.map((entry) => entry.tag)).not.toContain(305);
  });

  it('quarantines a pyramid that carries a source value in its pixels, or a given DICOM value in its text', () => {
    const leaked = new Uint8Array(16 * 16 * 3);
    leaked.set(new TextEncoder().encode(slide.phi.filename), 100);
    const result = gateConvertedSlide({ source, converted: pyramid('leak.tif', leaked), output: join(dir, 'leak-out.tif') });
    expect(result.status).toBe('quarantined');
    expect(result.findings[0]).toMatchObject({ kind: 'residual-identifying-value', where: 'ifd[0] image data' });

    const withValue = pyramid('text.tif', new Uint8Array(16 * 16 * 3).fill(9), [{ tag: 270, type: 2, value: 'slide of PLANTED^NAME' }]);
    const dicom = gateConvertedSlide({ sourceValues: ['PLANTED^NAME'], converted: withValue, output: join(dir, 'text-out.tif') });
    // The description is dropped as non-structural, so the value is gone and the pyramid passes.
    expect(dicom.status).toBe('passed');
    expect(readFileSync(join(dir, 'text-out.tif')).includes('PLANTED^NAME')).toBe(false);
  });
});
