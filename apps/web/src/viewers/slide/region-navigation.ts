/**
 * Navigation kept inside a slide-region task (issue 17 §1): the view may pan and zoom only within
 * the region's bounding box and a small margin, so fields outside the region are never reached at
 * a working magnification. Pure rectangles in full-resolution slide pixels, so the rule is tested
 * without a browser; `SlideView` applies it to OpenSeadragon's viewport after every change.
 */
export interface SlideRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The margin kept round a region: a twentieth of its longer side, at least 64 px (context at the edges). */
export function regionMargin(region: SlideRect): number {
  return Math.max(64, Math.round(Math.max(region.width, region.height) / 20));
}

/**
 * The rectangle a region task's view stays in, or null when the item is the whole slide (nothing
 * to keep the view inside: the slide viewer's own limits apply).
 */
export function navigationLimit(region: SlideRect, slide: { readonly width: number; readonly height: number }): SlideRect | null {
  if (region.x <= 0 && region.y <= 0 && region.width >= slide.width && region.height >= slide.height) return null;
  const m = regionMargin(region);
  return { x: region.x - m, y: region.y - m, width: region.width + 2 * m, height: region.height + 2 * m };
}

/**
 * The view moved back inside `limit`: along an axis where the view is narrower than the limit it
 * is slid back in (its size kept); where it is wider (zoomed out, e.g. at 5× in a 40× task, which
 * stays reachable so the band's reason can be read) it is centred on the limit, so panning cannot
 * carry it off the region. Zoom is never changed here.
 */
export function constrainView(view: SlideRect, limit: SlideRect): SlideRect {
  const axis = (start: number, size: number, lo: number, span: number): number =>
    size >= span ? lo + (span - size) / 2 : Math.min(Math.max(start, lo), lo + span - size);
  return { x: axis(view.x, view.width, limit.x, limit.width), y: axis(view.y, view.height, limit.y, limit.height), width: view.width, height: view.height };
}

/** Whether `view` lies inside `limit` (to a tenth of a pixel), or is centred on it along an axis where it is wider. */
export function viewKeptInside(view: SlideRect, limit: SlideRect): boolean {
  const c = constrainView(view, limit);
  return Math.abs(c.x - view.x) < 0.1 && Math.abs(c.y - view.y) < 0.1;
}
