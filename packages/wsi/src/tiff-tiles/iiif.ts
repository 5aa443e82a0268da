import type { SlidePyramidLayout } from './layout';
import { planReducedTile, reductionLevels, unsupported, type TilePlan } from './tile-plan';

/** The IIIF Image API 3 info.json of a slide, `id` being the image's base URI. */
export function iiifInfo(layout: SlidePyramidLayout, id: string): Record<string, unknown> {
  const levels = reductionLevels(layout);
  if (levels === 0) unsupported('This slide pyramid does not step by 2× with square tiles');
  const tile = layout.levels[0]!.tileWidth;
  return {
    '@context': 'http://iiif.io/api/image/3/context.json',
    id,
    type: 'ImageService3',
    protocol: 'http://iiif.io/api/image',
    profile: 'level0',
    width: layout.width,
    height: layout.height,
    tiles: [{ width: tile, height: tile, scaleFactors: Array.from({ length: levels }, (_, k) => 2 ** k) }],
    preferredFormats: ['jpg'],
  };
}

function parseNumbers(text: string, count: number): number[] | undefined {
  const parts = text.split(',');
  if (parts.length !== count || parts.some((p) => !/^\d+$/.test(p))) return undefined;
  return parts.map(Number);
}

/** Width and height a size parameter asks for (`w,`, `w,h`, or `max`: the region unscaled), given the region's size at scale 1/s. */
function requestedSize(size: string, region: { width: number; height: number }, natural: { width: number; height: number }): { width: number; height: number } {
  if (size === 'max') return region;
  const [w, h] = size.split(',');
  if (w === undefined || h === undefined || !/^\d+$/.test(w) || !(h === '' || /^\d+$/.test(h))) unsupported('Only the sizes w, w,h and max are served');
  return { width: Number(w), height: h === '' ? natural.height : Number(h) };
}

/**
 * A IIIF tile request as a tile plan. Served: rotation 0, quality default, format jpg, and a region
 * that is one tile of a stored scale factor (or `full` when one tile holds the whole level) at
 * exactly that tile's size. Anything else is refused with DLN_SLIDE_REGION_UNSUPPORTED (400):
 * this is a level 0 image service, it never renders arbitrary regions.
 */
export function planIiifTile(layout: SlidePyramidLayout, region: string, size: string, rotation: string, qualityFormat: string): TilePlan {
  if (rotation !== '0') unsupported('Only rotation 0 is served');
  if (qualityFormat !== 'default.jpg') unsupported('Only default.jpg is served');
  const tile = layout.levels[0]!.tileWidth;
  const levels = reductionLevels(layout);
  for (let k = 0; k < levels; k++) {
    const s = 2 ** k;
    const span = tile * s;
    let x = 0;
    let y = 0;
    let w = layout.width;
    let h = layout.height;
    if (region === 'full') {
      if (Math.ceil(layout.width / s) > tile || Math.ceil(layout.height / s) > tile) continue;
    } else {
      const r = parseNumbers(region, 4);
      if (!r) unsupported('Only full and x,y,w,h regions are served');
      [x, y, w, h] = r as [number, number, number, number];
      if (x % span !== 0 || y % span !== 0 || x >= layout.width || y >= layout.height) continue;
      if (w !== Math.min(span, layout.width - x) || h !== Math.min(span, layout.height - y)) continue;
    }
    const natural = { width: Math.ceil(w / s), height: Math.ceil(h / s) };
    const wanted = requestedSize(size, { width: w, height: h }, natural);
    if (wanted.width !== natural.width || wanted.height !== natural.height) continue;
    return planReducedTile(layout, k, x / span, y / span, natural);
  }
  return unsupported('The region and size are not one stored tile; this service serves tiles only');
}
