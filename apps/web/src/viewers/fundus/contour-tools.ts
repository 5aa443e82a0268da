/** A point in photo pixels. */
export type Point = readonly [number, number];

export type Structure = 'disc' | 'cup';
export type ContourToolId = 'navigate' | 'disc-ellipse' | 'cup-ellipse' | 'disc-freehand' | 'cup-freehand' | 'fovea';

export const contourTools: ReadonlyArray<{ id: ContourToolId; words: string; key: string }> = [
  { id: 'navigate', words: 'Move and zoom', key: 'v' },
  { id: 'disc-ellipse', words: 'Disc: ellipse', key: 'd' },
  { id: 'disc-freehand', words: 'Disc: freehand', key: 'shift+d' },
  { id: 'cup-ellipse', words: 'Cup: ellipse', key: 'k' },
  { id: 'cup-freehand', words: 'Cup: freehand', key: 'shift+k' },
  { id: 'fovea', words: 'Fovea point', key: 'p' },
];

export interface Contour {
  readonly tool: 'ellipse' | 'freehand';
  readonly points: readonly Point[];
}

export interface FundusShapes {
  readonly disc: Contour | null;
  readonly cup: Contour | null;
  readonly fovea: Point | null;
}

export const noShapes: FundusShapes = { disc: null, cup: null, fovea: null };

/** The ellipse inscribed in the box dragged from `a` to `b`, as a closed contour of `n` points. */
export function ellipseFromDrag(a: Point, b: Point, n = 72): Point[] {
  const cx = (a[0] + b[0]) / 2;
  const cy = (a[1] + b[1]) / 2;
  const rx = Math.abs(b[0] - a[0]) / 2;
  const ry = Math.abs(b[1] - a[1]) / 2;
  return Array.from({ length: n }, (_, k) => {
    const t = (2 * Math.PI * k) / n;
    return [cx + rx * Math.cos(t), cy + ry * Math.sin(t)] as const;
  });
}

/** Freehand points closer than this (photo pixels) to the last kept one are dropped. */
const MIN_STEP = 1.5;

/**
 * One contour tool's gesture: press, drag, release. Pure state: the viewer feeds it pointer
 * positions in photo pixels and draws `preview()`; `finish()` gives the shapes with the new
 * contour (a gesture too small to enclose anything gives none).
 */
export class ContourGesture {
  readonly #tool: Exclude<ContourToolId, 'navigate'>;
  readonly #start: Point;
  #points: Point[];

  constructor(tool: Exclude<ContourToolId, 'navigate'>, start: Point) {
    this.#tool = tool;
    this.#start = start;
    this.#points = [start];
  }

  move(p: Point): void {
    if (this.#tool.endsWith('ellipse')) this.#points = [this.#start, p];
    else if (this.#tool.endsWith('freehand')) {
      const last = this.#points[this.#points.length - 1]!;
      if (Math.hypot(p[0] - last[0], p[1] - last[1]) >= MIN_STEP) this.#points.push(p);
    }
  }

  /** What to outline while drawing: the ellipse so far, or the freehand path. */
  preview(): Point[] {
    if (this.#tool.endsWith('ellipse')) return this.#points.length === 2 ? ellipseFromDrag(this.#points[0]!, this.#points[1]!) : [];
    return this.#points;
  }

  finish(shapes: FundusShapes): FundusShapes {
    if (this.#tool === 'fovea') return { ...shapes, fovea: this.#start };
    const structure: Structure = this.#tool.startsWith('disc') ? 'disc' : 'cup';
    const ellipse = this.#tool.endsWith('ellipse');
    const points = this.preview();
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    // Under 2 px across either way encloses no pixel centre reliably: not a contour.
    if (points.length < 3 || Math.max(...xs) - Math.min(...xs) < 2 || Math.max(...ys) - Math.min(...ys) < 2) return shapes;
    return { ...shapes, [structure]: { tool: ellipse ? 'ellipse' : 'freehand', points } };
  }
}
