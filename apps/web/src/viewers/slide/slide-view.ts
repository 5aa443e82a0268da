/**
 * The slide's image view: OpenSeadragon over the server's Deep Zoom route (stored JPEG tiles
 * passed through; only edge tiles are re-cut by the server), with its navigator, and the label
 * overlay canvas drawn in the same transform. React-free, so the viewer component stays about
 * controls; it reports the zoom, what is in view and when the view is fully drawn.
 */
import type OpenSeadragonModule from 'openseadragon';

type OpenSeadragonApi = typeof OpenSeadragonModule;

/**
 * OpenSeadragon, loaded when the first slide opens: it is a large part of the app that only slide
 * items use, and it touches the DOM when its module loads.
 */
export function loadOpenSeadragon(): Promise<OpenSeadragonApi> {
  return import('openseadragon').then((m) => m.default);
}
import { json } from '../../api';
import type { Affine } from './label-overlay';
import type { PixelRect, Point } from './paint';
import { constrainView, navigationLimit, type SlideRect } from './region-navigation';

/** `GET /api/slides/:itemId` (apps/server/src/routes/slides.ts). */
export interface SlideInfo {
  itemId: string;
  width: number;
  height: number;
  /** µm per pixel at full resolution, when the scanner recorded it. */
  mpp: number | null;
  region: { x: number; y: number; width: number; height: number };
  tileSize: number;
  deepZoomUrl: string;
}

const asked = new Map<string, Promise<SlideInfo>>();

/** The slide of an item (asked once per page: the pyramid it names never changes). */
export function slideInfo(itemId: string): Promise<SlideInfo> {
  let p = asked.get(itemId);
  if (!p) {
    p = json<SlideInfo>(`/api/slides/${itemId}`);
    p.catch(() => asked.delete(itemId));
    asked.set(itemId, p);
  }
  return p;
}

export interface SlideViewEvents {
  /** Every redraw of the image (pan, zoom, rotation, tiles arriving). */
  redraw(): void;
  /** A movement came to rest: the labels in view may be loaded. */
  settled(): void;
  /** Every tile of the view is drawn (or not any more). */
  fullyLoaded(loaded: boolean): void;
}

export class SlideView {
  readonly viewer: OpenSeadragonModule.Viewer;
  readonly #osd: OpenSeadragonApi;
  /** Where a region task's view must stay (the region and a margin); null for a whole slide. */
  readonly limit: SlideRect | null;
  #keeping = false;

  constructor(
    osd: OpenSeadragonApi,
    readonly element: HTMLElement,
    readonly slide: SlideInfo,
    on: SlideViewEvents,
  ) {
    this.#osd = osd;
    this.limit = navigationLimit(slide.region, slide);
    this.viewer = osd({
      element,
      tileSources: slide.deepZoomUrl,
      prefixUrl: '',
      drawer: 'canvas',
      showNavigationControl: false,
      showNavigator: true,
      navigatorPosition: 'BOTTOM_RIGHT',
      // Keys go through the workspace's shortcut registry (and its help), not OpenSeadragon's own.
      keyboardNavEnabled: false,
      // Up to 4 screen pixels per slide pixel (160× on a 40× scan): the pixels a brush edits.
      maxZoomPixelRatio: 4,
      visibilityRatio: 0.2,
      // Out to a tenth of the fitted view, so 2× and 5× are reachable on a small slide (regions are drawn there).
      minZoomImageRatio: 0.1,
      animationTime: 0.4,
      // OpenSeadragon starts one tile load per drawn frame by default; a panned 20× field needs
      // 40–80 tiles, and a frame takes 20–30 ms on software rendering, so the field trickled in over
      // seconds while the server answered each tile in milliseconds.
      maxTilesPerFrame: 24,
      // A level is drawn once its pixels reach 3/4 of a screen pixel (OpenSeadragon's default is 1/2):
      // at 20× on a 40× scan that is the 20× level at 1:1, not the full-resolution one squeezed 2:1,
      // a quarter of the tiles for the same sharpness on the screen.
      minPixelRatio: 0.75,
      gestureSettingsMouse: { clickToZoom: false, dblClickToZoom: false },
      crossOriginPolicy: false,
    });
    this.viewer.addHandler('update-viewport', () => on.redraw());
    // Every movement (drag, wheel, keys, animations) is brought back inside a region task's limit.
    this.viewer.addHandler('viewport-change', () => this.#keepInside());
    this.viewer.addHandler('animation-finish', () => {
      this.#keepInside();
      on.settled();
    });
    this.viewer.addHandler('open', () => {
      if (this.limit) this.home(true);
      on.settled();
    });
    this.viewer.addHandler('fully-loaded-change', (e) => on.fullyLoaded(e.fullyLoaded));
  }

  get isOpen(): boolean {
    return this.viewer.world.getItemCount() > 0;
  }

  /** Screen (CSS) pixels per full-resolution slide pixel. */
  zoom(current = true): number {
    const vp = this.viewer.viewport;
    return vp.viewportToImageZoom(vp.getZoom(current));
  }

  zoomTo(screenPerSlidePixel: number, immediately = false): void {
    const vp = this.viewer.viewport;
    vp.zoomTo(vp.imageToViewportZoom(screenPerSlidePixel), undefined, immediately);
  }

  zoomBy(factor: number, at?: Point): void {
    const vp = this.viewer.viewport;
    vp.zoomBy(factor, at ? vp.pointFromPixel(new this.#osd.Point(at[0], at[1])) : undefined);
    vp.applyConstraints();
  }

  /** Pans by fractions of the field of view (1: the adjacent field). */
  panFields(dx: number, dy: number, immediately = false): void {
    const vp = this.viewer.viewport;
    const bounds = vp.getBoundsNoRotate();
    vp.panBy(new this.#osd.Point(bounds.width * dx, bounds.height * dy), immediately);
    vp.applyConstraints();
  }

  /** Puts a slide pixel in the middle of the view. */
  centreOn(p: Point, immediately = false): void {
    const vp = this.viewer.viewport;
    vp.panTo(vp.imageToViewportCoordinates(new this.#osd.Point(p[0], p[1])), immediately);
  }

  /** Moves the image with a drag of (dx, dy) screen pixels. */
  dragBy(dx: number, dy: number): void {
    const vp = this.viewer.viewport;
    vp.panBy(vp.deltaPointsFromPixels(new this.#osd.Point(-dx, -dy)), true);
    vp.applyConstraints();
  }

  rotation(): number {
    return this.viewer.viewport.getRotation();
  }

  rotate(degrees: number): void {
    this.viewer.viewport.setRotation(this.rotation() + degrees);
  }

  /** The whole slide, or in a region task the region itself. */
  home(immediately = false): void {
    const vp = this.viewer.viewport;
    const r = this.slide.region;
    if (this.limit) vp.fitBounds(vp.imageToViewportRectangle(r.x, r.y, r.width, r.height), immediately);
    else vp.goHome(immediately);
  }

  /** The slide pixels in view, ignoring rotation (the rectangle the limit is kept on). */
  viewRect(): SlideRect {
    const vp = this.viewer.viewport;
    const r = vp.viewportToImageRectangle(vp.getBoundsNoRotate(true));
    return { x: r.x, y: r.y, width: r.width, height: r.height };
  }

  #keepInside(): void {
    if (!this.limit || this.#keeping || !this.isOpen) return;
    const view = this.viewRect();
    const kept = constrainView(view, this.limit);
    if (Math.abs(kept.x - view.x) < 0.5 && Math.abs(kept.y - view.y) < 0.5) return;
    this.#keeping = true;
    try {
      const vp = this.viewer.viewport;
      vp.panTo(vp.imageToViewportCoordinates(new this.#osd.Point(kept.x + kept.width / 2, kept.y + kept.height / 2)), true);
    } finally {
      this.#keeping = false;
    }
  }

  /** Slide pixel → element pixel. */
  toElement(p: Point): Point {
    const q = this.viewer.viewport.imageToViewerElementCoordinates(new this.#osd.Point(p[0], p[1]));
    return [q.x, q.y];
  }

  /** Element pixel → slide pixel. */
  toSlide(p: Point): Point {
    const q = this.viewer.viewport.viewerElementToImageCoordinates(new this.#osd.Point(p[0], p[1]));
    return [q.x, q.y];
  }

  /** Slide pixel → overlay canvas pixel, as one matrix (`scale`: device pixels per CSS pixel). */
  transform(scale: number): Affine {
    const o = this.toElement([0, 0]);
    const x = this.toElement([1000, 0]);
    const y = this.toElement([0, 1000]);
    return { a: ((x[0] - o[0]) / 1000) * scale, b: ((x[1] - o[1]) / 1000) * scale, c: ((y[0] - o[0]) / 1000) * scale, d: ((y[1] - o[1]) / 1000) * scale, e: o[0] * scale, f: o[1] * scale };
  }

  /** The slide pixels in view (the bounding box of the view's corners, rotation included). */
  inView(): PixelRect {
    const w = this.element.clientWidth;
    const h = this.element.clientHeight;
    const corners = [this.toSlide([0, 0]), this.toSlide([w, 0]), this.toSlide([0, h]), this.toSlide([w, h])];
    const xs = corners.map((c) => c[0]);
    const ys = corners.map((c) => c[1]);
    const x = Math.floor(Math.min(...xs));
    const y = Math.floor(Math.min(...ys));
    return { x, y, width: Math.ceil(Math.max(...xs)) - x, height: Math.ceil(Math.max(...ys)) - y };
  }

  fullyLoaded(): boolean {
    return this.isOpen && this.viewer.world.getItemAt(0).getFullyLoaded();
  }

  destroy(): void {
    this.viewer.destroy();
  }
}
