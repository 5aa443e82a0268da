import type { RedactionRegion } from '@delineate/schema';

/** A rectangle the steward drew, in image pixels, for every frame (null) or the chosen ones (0-based). */
export interface DrawnRectangle {
  x: number;
  y: number;
  width: number;
  height: number;
  frames: number[] | null;
}

export interface ImageSize {
  columns: number;
  rows: number;
}

/**
 * The rectangle between two points of a drag, in whole image pixels covering both points, cut to
 * the image; null when nothing of it is left (a click, or a drag wholly outside).
 */
export function rectangleBetween(a: { x: number; y: number }, b: { x: number; y: number }, size: ImageSize): Omit<DrawnRectangle, 'frames'> | null {
  const x0 = Math.max(0, Math.floor(Math.min(a.x, b.x)));
  const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y)));
  const x1 = Math.min(size.columns, Math.ceil(Math.max(a.x, b.x)));
  const y1 = Math.min(size.rows, Math.ceil(Math.max(a.y, b.y)));
  if (x1 - x0 < 1 || y1 - y0 < 1) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** A point of the page in image pixels, for an element showing the whole image stretched to its box. */
export function toImagePoint(client: { x: number; y: number }, box: { left: number; top: number; width: number; height: number }, size: ImageSize): { x: number; y: number } {
  return { x: ((client.x - box.left) / box.width) * size.columns, y: ((client.y - box.top) / box.height) * size.rows };
}

/** What the gate is sent: one region per rectangle for every frame, or one per chosen frame. */
export function toRedactionRegions(rectangles: readonly DrawnRectangle[]): RedactionRegion[] {
  return rectangles.flatMap(({ frames, ...r }) => (frames === null ? [r] : frames.map((frame) => ({ ...r, frame }))));
}

/** Whether a rectangle is shown on a frame. */
export function appliesTo(rectangle: DrawnRectangle, frame: number): boolean {
  return rectangle.frames === null || rectangle.frames.includes(frame);
}
