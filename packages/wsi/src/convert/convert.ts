import { runTool } from './tool';

export interface PyramidConversion {
  /** The source slide (SVS, NDPI, MRXS, tiled TIFF), read through OpenSlide, or a plain tiled TIFF. */
  readonly source: string;
  readonly output: string;
  /** True for sources vips reads through OpenSlide (their RGBA becomes RGB); false for a plain TIFF. */
  readonly openSlide: boolean;
  /** Killed after this long (default one hour: a 100,000² slide at 19 Mpx/s takes about 9 minutes). */
  readonly timeoutMs?: number;
  /** Percent done, as vips reports it. */
  readonly onProgress?: (percent: number) => void;
}

/** The vips arguments of the conversion: 256² JPEG tiles at Q 85, a 2× pyramid, BigTIFF. */
export function conversionArguments(source: string, output: string, openSlide: boolean): string[] {
  return [
    'tiffsave',
    openSlide ? `${source}[rgb]` : source,
    output,
    '--tile',
    '--tile-width',
    '256',
    '--tile-height',
    '256',
    '--pyramid',
    '--compression',
    'jpeg',
    '--Q',
    '85',
    '--bigtiff',
    '--vips-progress',
  ];
}

/**
 * Converts a slide to a pyramidal BigTIFF with Debian vips (over OpenSlide) in a child process:
 * no shell, progress streamed from vips' own report, bounded in time. The caller owns the output
 * path (a temporary folder it removes on every path).
 */
export async function convertToPyramid(conversion: PyramidConversion): Promise<void> {
  let last = -1;
  await runTool({
    command: 'vips',
    args: conversionArguments(conversion.source, conversion.output, conversion.openSlide),
    timeoutMs: conversion.timeoutMs ?? 3_600_000,
    onLine: (line) => {
      const percent = /(\d+)% complete/.exec(line)?.[1];
      if (percent === undefined) return;
      const value = Number(percent);
      if (value !== last) conversion.onProgress?.(value);
      last = value;
    },
  });
}
