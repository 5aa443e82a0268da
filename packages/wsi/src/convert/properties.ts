import { DelineateError } from '@delineate/schema';
import type { SlideSourceProperties } from '../slide-info';
import { runTool } from './tool';

function positive(text: string | undefined): number | null {
  const value = text === undefined ? Number.NaN : Number.parseFloat(text);
  return Number.isFinite(value) && value > 0 ? value : null;
}

/** One OpenSlide property from `openslide-show-properties` output (`name: 'value'` lines). */
function property(listing: string, name: string): string | undefined {
  const escaped = name.replace(/[.[\]-]/g, (c) => `\\${c}`);
  return new RegExp(`^${escaped}: '([^'\\n]*)'`, 'm').exec(listing)?.[1];
}

/** Parses the pixel size and objective of `openslide-show-properties` output. */
export function parseOpenSlideProperties(listing: string): SlideSourceProperties & { readonly vendor: string | null } {
  return {
    mppX: positive(property(listing, 'openslide.mpp-x')),
    mppY: positive(property(listing, 'openslide.mpp-y')),
    magnification: positive(property(listing, 'openslide.objective-power')),
    vendor: property(listing, 'openslide.vendor') ?? null,
  };
}

/**
 * Reads the source's pixel size (µm/px) and objective magnification through OpenSlide before
 * conversion: the converted pyramid keeps only a resolution tag and loses the objective.
 * A file OpenSlide cannot open is refused with DLN_SLIDE_UNREADABLE.
 */
export async function readSlideProperties(path: string, timeoutMs = 60_000): Promise<SlideSourceProperties & { readonly vendor: string | null }> {
  let listing: string;
  try {
    listing = await runTool({ command: 'openslide-show-properties', args: [path], timeoutMs, keepStdout: true });
  } catch {
    throw new DelineateError('DLN_SLIDE_UNREADABLE', 'The slide could not be opened as a whole-slide image (SVS, NDPI, MRXS or tiled TIFF)');
  }
  return parseOpenSlideProperties(listing);
}
