/**
 * Draws a slide's sparse labels over the image: each held tile becomes a small canvas (its
 * labels in their schema colours and opacity), redrawn only when the tile changed, and put on the
 * overlay through the view's image-to-screen transform (zoom, pan and rotation in one matrix).
 */
import type { Label } from '@delineate/schema';
import type { TileLabelmap } from '../../viewer/tile-labelmap';
import type { Point } from './paint';

/** Image pixel → overlay pixel: x' = a·x + c·y + e, y' = b·x + d·y + f. */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

export interface LabelLook {
  labels: readonly Label[];
  visible: ReadonlySet<number>;
  opacity: ReadonlyMap<number, number>;
}

/** The RGBA of each label value (0 and hidden labels transparent). */
export function labelPalette(look: LabelLook): Uint32Array<ArrayBuffer> {
  const palette = new Uint32Array(256);
  for (const l of look.labels) {
    if (!look.visible.has(l.value)) continue;
    const hex = /^#?([0-9a-f]{6})$/i.exec(l.colour)?.[1] ?? 'ffffff';
    const r = parseInt(hex.slice(0, 2), 16);
    const g = parseInt(hex.slice(2, 4), 16);
    const b = parseInt(hex.slice(4, 6), 16);
    const a = Math.round(255 * (look.opacity.get(l.value) ?? 0.5));
    // Little-endian RGBA in one word, as ImageData's bytes are laid out.
    palette[l.value] = ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
  }
  return palette;
}

export class LabelOverlay {
  readonly #canvases = new Map<number, HTMLCanvasElement>();
  readonly #stale = new Set<number>();
  #palette: Uint32Array = new Uint32Array(256);

  constructor(readonly map: TileLabelmap) {}

  setLook(look: LabelLook): void {
    this.#palette = labelPalette(look);
    for (const o of this.#canvases.keys()) this.#stale.add(o);
  }

  changed(ordinals: Iterable<number>): void {
    for (const o of ordinals) this.#stale.add(o);
  }

  #canvasOf(ordinal: number): HTMLCanvasElement | null {
    const tile = this.map.tile(ordinal);
    if (!tile) {
      this.#canvases.delete(ordinal);
      return null;
    }
    let canvas = this.#canvases.get(ordinal);
    if (canvas && !this.#stale.has(ordinal)) return canvas;
    const ts = this.map.grid.tileSize;
    const width = Math.min(ts, this.map.width - (ordinal % Math.ceil(this.map.width / ts)) * ts);
    const height = tile.length / width;
    if (!canvas) {
      canvas = document.createElement('canvas');
      this.#canvases.set(ordinal, canvas);
    }
    canvas.width = width;
    canvas.height = height;
    const image = new ImageData(width, height);
    const words = new Uint32Array(image.data.buffer);
    for (let i = 0; i < tile.length; i++) words[i] = this.#palette[tile[i]!]!;
    canvas.getContext('2d')!.putImageData(image, 0, 0);
    this.#stale.delete(ordinal);
    return canvas;
  }

  /** Draws the held tiles among `ordinals` (those in view), `origin` being the labels' place on the slide. */
  draw(ctx: CanvasRenderingContext2D, t: Affine, ordinals: readonly number[], origin: Point, outline: readonly Point[], brush: { at: Point; radius: number } | null): void {
    const { width, height } = ctx.canvas;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.setTransform(t.a, t.b, t.c, t.d, t.e, t.f);
    ctx.imageSmoothingEnabled = false;
    const ts = this.map.grid.tileSize;
    const across = Math.ceil(this.map.width / ts);
    for (const o of ordinals) {
      const canvas = this.#canvasOf(o);
      if (canvas) ctx.drawImage(canvas, origin[0] + (o % across) * ts, origin[1] + Math.floor(o / across) * ts);
    }
    const scale = Math.hypot(t.a, t.b);
    ctx.lineWidth = 1.5 / scale;
    ctx.strokeStyle = '#ffffff';
    if (outline.length > 1) {
      ctx.beginPath();
      outline.forEach((p, i) => (i ? ctx.lineTo(origin[0] + p[0], origin[1] + p[1]) : ctx.moveTo(origin[0] + p[0], origin[1] + p[1])));
      ctx.closePath();
      ctx.stroke();
    }
    if (brush) {
      ctx.beginPath();
      ctx.arc(origin[0] + brush.at[0], origin[1] + brush.at[1], brush.radius, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }
}
