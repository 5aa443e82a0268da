import { DelineateError, type FieldTiling, type ZoomBand } from '@delineate/schema';

/**
 * Objective magnification and pixel size. By the usual convention of slide scanners a 10×
 * objective gives about 1 µm per pixel, so µm/px = 10 / magnification (2× ≈ 5, 40× ≈ 0.25);
 * a slide's own magnification is read from its pixel size the same way.
 */
export const UM_PER_PX_AT_10X = 10;

export function umPerPixelAt(magnification: number): number {
  return UM_PER_PX_AT_10X / magnification;
}

export function magnificationOf(umPerPixel: number): number {
  return UM_PER_PX_AT_10X / umPerPixel;
}

/** Downsample from the scan to the target: 4 for a 40× scan (0.25 µm/px) viewed at 10×. */
export function targetDownsample(slideMpp: number, magnification: number): number {
  return umPerPixelAt(magnification) / slideMpp;
}

/** Tools work within ±1.5× of the target (a factor, as zoom is). */
export const ZOOM_BAND_FACTOR = 1.5;

export function zoomBandOf(magnification: number): ZoomBand {
  return { min: magnification / ZOOM_BAND_FACTOR, max: magnification * ZOOM_BAND_FACTOR };
}

/** The reason, in words, an edit at `magnification` is refused; null when it is allowed. */
export function zoomRefusal(band: ZoomBand, target: number, magnification: number): string | null {
  const fmt = (m: number) => `${Number(m.toFixed(2))}×`;
  // A little slack so a client rounding its zoom to two decimals is not refused at the edge.
  const tolerance = 1e-6;
  if (magnification < band.min * (1 - tolerance)) {
    return `Painting works from ${fmt(band.min)} to ${fmt(band.max)} for this ${fmt(target)} task; zoom in from ${fmt(magnification)}`;
  }
  if (magnification > band.max * (1 + tolerance)) {
    return `Painting works from ${fmt(band.min)} to ${fmt(band.max)} for this ${fmt(target)} task; zoom out from ${fmt(magnification)}`;
  }
  return null;
}

/** Side of a square field in full-resolution pixels. */
export function fieldSizePx(tiling: FieldTiling, slideMpp: number): number {
  const sideUm = tiling.kind === 'hpf' ? Math.sqrt(tiling.areaMm2) * 1000 : tiling.sizeUm;
  const px = Math.round(sideUm / slideMpp);
  if (px < 1) throw new DelineateError('DLN_PATHOLOGY_REGION_INVALID', 'The field size is smaller than one pixel of this slide');
  return px;
}
