/**
 * Magnification, scale bar and brush size on a slide, from its pixel size (µm per pixel at full
 * resolution) and the current zoom (screen pixels per full-resolution pixel). A microscope's 40×
 * objective images about 0.25 µm per pixel and 20× about 0.5, so the equivalent magnification is
 * 10 µm divided by the µm one screen pixel shows (the convention slide viewers use).
 */

/** The objective magnifications a pathologist works at, lowest first. */
export const magnificationSteps = [2, 5, 10, 20, 40] as const;
export type MagnificationStep = (typeof magnificationSteps)[number];

const MICRONS_AT_1X = 10;

/** Microns one screen pixel shows. */
export function micronsPerScreenPixel(mpp: number, zoom: number): number {
  return mpp / zoom;
}

/** The equivalent objective magnification at this zoom. */
export function magnificationAt(mpp: number, zoom: number): number {
  return MICRONS_AT_1X / micronsPerScreenPixel(mpp, zoom);
}

/** The zoom (screen pixels per slide pixel) that shows the slide at `magnification`. */
export function zoomForMagnification(mpp: number, magnification: number): number {
  return (magnification * mpp) / MICRONS_AT_1X;
}

/** The readout: a step ("40×") when within 5 % of one, else the value itself ("12.5×"). */
export function magnificationText(magnification: number): string {
  for (const step of magnificationSteps) if (Math.abs(magnification / step - 1) <= 0.05) return `${step}×`;
  const rounded = magnification >= 10 ? Math.round(magnification) : Math.round(magnification * 10) / 10;
  return `${rounded}×`;
}

export interface ScaleBar {
  /** The bar's length on the slide. */
  microns: number;
  /** Its length on screen. */
  pixels: number;
  text: string;
}

/** The longest round length (1, 2 or 5 × 10ⁿ µm) that fits in `maxPixels` on screen. */
export function scaleBar(mpp: number, zoom: number, maxPixels: number): ScaleBar {
  const perPixel = micronsPerScreenPixel(mpp, zoom);
  const most = perPixel * maxPixels;
  let microns = 10 ** Math.floor(Math.log10(most));
  for (const f of [5, 2]) if (microns * f <= most) {
    microns *= f;
    break;
  }
  const text = microns >= 1000 ? `${microns / 1000} mm` : microns >= 1 ? `${microns} µm` : `${microns.toPrecision(1)} µm`;
  return { microns, pixels: microns / perPixel, text };
}

/** A brush's radius in slide pixels from its diameter in µm. */
export function brushRadiusPixels(diameterMicrons: number, mpp: number): number {
  return diameterMicrons / 2 / mpp;
}
