import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDelineateError } from '@delineate/schema';
import { requireTestData } from '@delineate/testkit';
import { writeSyntheticHeSlide } from '../synthetic/he-slide';
import { conversionArguments, convertToPyramid } from './convert';
import { parseOpenSlideProperties, readSlideProperties } from './properties';
import { readPyramidLayout } from './pyramid';
import { runTool } from './tool';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return isDelineateError(error) ? error.code : 'uncoded';
  }
}

describe('slide conversion', { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-wsi-convert-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('reads pixel size and objective from OpenSlide properties, and null when absent', async () => {
    expect(parseOpenSlideProperties("openslide.mpp-x: '0.2527'\nopenslide.mpp-y: '0.2531'\nopenslide.objective-power: '40'\nopenslide.vendor: 'aperio'\n")).toEqual({ mppX: 0.2527, mppY: 0.2531, magnification: 40, vendor: 'aperio' });
    expect(parseOpenSlideProperties("openslide.mpp-x: 'abc'\nopenslide.vendor: 'generic-tiff'\n")).toEqual({ mppX: null, mppY: null, magnification: null, vendor: 'generic-tiff' });
    expect(await readSlideProperties(requireTestData('wsi/small.svs')!)).toEqual({ mppX: 0.499, mppY: 0.499, magnification: 20, vendor: 'aperio' });
    expect(await codeOf(readSlideProperties(join(dir, 'missing.svs')))).toBe('DLN_SLIDE_UNREADABLE');
  });

  it('converts with the issue\'s vips arguments to a 256² JPEG pyramid, reporting progress', async () => {
    expect(conversionArguments('in.svs', 'out.tif', true).slice(0, 14)).toEqual(['tiffsave', 'in.svs[rgb]', 'out.tif', '--tile', '--tile-width', '256', '--tile-height', '256', '--pyramid', '--compression', 'jpeg', '--Q', '85', '--bigtiff']);
    const source = join(dir, 'he.svs');
    writeSyntheticHeSlide(source, { width: 1536, height: 1024 });
    const output = join(dir, 'pyramid.tif');
    const seen: number[] = [];
    await convertToPyramid({ source, output, openSlide: true, onProgress: (percent) => seen.push(percent) });
    const layout = readPyramidLayout(output);
    expect([layout.width, layout.height, layout.tileWidth, layout.tileHeight]).toEqual([1536, 1024, 256, 256]);
    expect(layout.levels.map((level) => level.downsample)).toEqual(layout.levels.map((_, i) => 2 ** i));
    expect(layout.levels[0]).toEqual({ width: 1536, height: 1024, downsample: 1, tileColumns: 6, tileRows: 4 });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('stops a tool that overruns its time and reports a failed one without its output', async () => {
    expect(await codeOf(runTool({ command: 'sleep', args: ['30'], timeoutMs: 200 }))).toBe('DLN_SLIDE_CONVERSION_TIMEOUT');
    const failed = runTool({ command: 'vips', args: ['tiffsave', join(dir, 'DOE_JANE.svs'), join(dir, 'x.tif')], timeoutMs: 30_000 });
    await expect(failed).rejects.toMatchObject({ code: 'DLN_SLIDE_CONVERSION_FAILED' });
    await expect(failed).rejects.not.toThrow(/DOE_JANE/);
    expect(await codeOf(runTool({ command: 'delineate-no-such-tool', args: [], timeoutMs: 1000 }))).toBe('DLN_SLIDE_CONVERSION_FAILED');
  });

  it('writes the synthetic H&E slide deterministically, with its label and macro images', async () => {
    const a = join(dir, 'a.svs');
    const b = join(dir, 'b.svs');
    writeSyntheticHeSlide(a, { width: 1024, height: 768 });
    writeSyntheticHeSlide(b, { width: 1024, height: 768 });
    const [bytesA, bytesB] = [await readFile(a), await readFile(b)];
    expect(bytesA.equals(bytesB)).toBe(true);
    const text = bytesA.toString('latin1');
    expect(text).toContain('\nlabel 400x300');
    expect(text).toContain('\nmacro 800x300');
  });
});
