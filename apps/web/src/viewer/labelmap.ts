import { planeIndex, planeIndices, planeSize, sliceCount, sliceSpacing, type Dims, type Orientation } from './geometry';

/** One undoable edit: the voxels it changed with their values before and after. */
export interface Stroke {
  readonly name: string;
  readonly indices: Uint32Array;
  readonly before: Uint8Array;
  readonly after: Uint8Array;
}

/**
 * The label volume being edited (one byte per voxel, 0 = background) with its undo and redo
 * stacks. Every tool writes through {@link Labelmap.set} inside a stroke, so every edit is
 * undoable and the changed voxels are known (for drafts and redoing edits on a newer revision).
 */
export class Labelmap {
  readonly data: Uint8Array;
  readonly undoStack: Stroke[] = [];
  readonly redoStack: Stroke[] = [];
  #pending: Map<number, number> | null = null;
  #pendingName = '';
  /** Bumped on every change, for renderers and draft writers. */
  revision = 0;
  /**
   * Told the voxels of every finished stroke, undo and redo (not of `replace`, which loads a new
   * base): the save controller turns them into the tiles a save must send.
   */
  onChange: ((indices: Uint32Array) => void) | null = null;

  constructor(
    readonly dims: Dims,
    data?: Uint8Array,
  ) {
    this.data = data ?? new Uint8Array(dims.columns * dims.rows * dims.slices);
    if (this.data.length !== dims.columns * dims.rows * dims.slices) throw new Error('Label volume does not match the grid');
  }

  begin(name: string): void {
    if (this.#pending) this.end();
    this.#pending = new Map();
    this.#pendingName = name;
  }

  set(index: number, value: number): void {
    const old = this.data[index]!;
    if (old === value) return;
    const pending = this.#pending;
    if (!pending) throw new Error('Edits happen inside a stroke');
    if (!pending.has(index)) pending.set(index, old);
    this.data[index] = value;
    this.revision++;
  }

  /** Closes the stroke; returns it, or null when nothing changed. */
  end(): Stroke | null {
    const pending = this.#pending;
    this.#pending = null;
    if (!pending || pending.size === 0) return null;
    const indices = new Uint32Array(pending.size);
    const before = new Uint8Array(pending.size);
    const after = new Uint8Array(pending.size);
    let k = 0;
    for (const [index, old] of pending) {
      indices[k] = index;
      before[k] = old;
      after[k] = this.data[index]!;
      k++;
    }
    const stroke = { name: this.#pendingName, indices, before, after };
    this.undoStack.push(stroke);
    if (this.undoStack.length > 200) this.undoStack.shift();
    this.redoStack.length = 0;
    this.onChange?.(indices);
    return stroke;
  }

  /** Drops the open stroke, putting back every voxel it changed (a cancelled tool). */
  abort(): void {
    const pending = this.#pending;
    this.#pending = null;
    if (!pending || pending.size === 0) return;
    for (const [index, old] of pending) this.data[index] = old;
    this.revision++;
  }

  get inStroke(): boolean {
    return this.#pending !== null;
  }

  undo(): boolean {
    const stroke = this.undoStack.pop();
    if (!stroke) return false;
    for (let k = 0; k < stroke.indices.length; k++) this.data[stroke.indices[k]!] = stroke.before[k]!;
    this.redoStack.push(stroke);
    this.revision++;
    this.onChange?.(stroke.indices);
    return true;
  }

  redo(): boolean {
    const stroke = this.redoStack.pop();
    if (!stroke) return false;
    for (let k = 0; k < stroke.indices.length; k++) this.data[stroke.indices[k]!] = stroke.after[k]!;
    this.undoStack.push(stroke);
    this.revision++;
    this.onChange?.(stroke.indices);
    return true;
  }

  /** Re-applies strokes (someone's edits) on this volume as one new undoable stroke. */
  replay(strokes: readonly Stroke[], name = 'redo my edits'): Stroke | null {
    this.begin(name);
    for (const stroke of strokes) for (let k = 0; k < stroke.indices.length; k++) this.set(stroke.indices[k]!, stroke.after[k]!);
    return this.end();
  }

  /** Replaces the whole volume (a loaded revision); clears undo and redo. */
  replace(data: Uint8Array): void {
    this.data.set(data);
    this.undoStack.length = 0;
    this.redoStack.length = 0;
    this.revision++;
  }

  count(value: number): number {
    let n = 0;
    for (let i = 0; i < this.data.length; i++) if (this.data[i] === value) n++;
    return n;
  }
}

export interface BrushOptions {
  /** Radius in mm. */
  radius: number;
  /** Sphere: also the neighbouring slices within the radius. */
  sphere: boolean;
  /** Written value; 0 erases. */
  value: number;
  /** Erasing clears only this label (0: any label). */
  eraseOnly?: number;
  /** Threshold brush: only voxels whose HU lies in [lower, upper]. */
  threshold?: { lower: number; upper: number; hu: Int16Array };
}

/** Paints (or erases) a circle or sphere centred on plane point (u, v) of slice s. */
export function brush(map: Labelmap, o: Orientation, u: number, v: number, s: number, opts: BrushOptions): void {
  const d = map.dims;
  const p = planeSize(d, o);
  const ds = sliceSpacing(d, o);
  const slices = sliceCount(d, o);
  const reachS = opts.sphere ? Math.floor(opts.radius / ds) : 0;
  for (let k = -reachS; k <= reachS; k++) {
    const sk = s + k;
    if (sk < 0 || sk >= slices) continue;
    const r2 = opts.radius * opts.radius - (k * ds) * (k * ds);
    if (r2 < 0) continue;
    const ru = Math.sqrt(r2) / p.du;
    const rv = Math.sqrt(r2) / p.dv;
    const u0 = Math.max(0, Math.ceil(u - ru));
    const u1 = Math.min(p.width - 1, Math.floor(u + ru));
    const v0 = Math.max(0, Math.ceil(v - rv));
    const v1 = Math.min(p.height - 1, Math.floor(v + rv));
    for (let vv = v0; vv <= v1; vv++) {
      for (let uu = u0; uu <= u1; uu++) {
        const mu = (uu - u) * p.du;
        const mv = (vv - v) * p.dv;
        if (mu * mu + mv * mv > r2) continue;
        const index = planeIndex(d, o, uu, vv, sk);
        if (opts.threshold) {
          const hu = opts.threshold.hu[index]!;
          if (hu < opts.threshold.lower || hu > opts.threshold.upper) continue;
        }
        if (opts.value === 0 && opts.eraseOnly && map.data[index] !== opts.eraseOnly) continue;
        map.set(index, opts.value);
      }
    }
  }
}

/** Brush along a segment (a fast drag leaves no gaps). */
export function brushLine(map: Labelmap, o: Orientation, from: [number, number], to: [number, number], s: number, opts: BrushOptions): void {
  const p = planeSize(map.dims, o);
  const stepMm = Math.max(0.5, opts.radius / 2);
  const lengthMm = Math.hypot((to[0] - from[0]) * p.du, (to[1] - from[1]) * p.dv);
  const steps = Math.max(1, Math.ceil(lengthMm / stepMm));
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    brush(map, o, from[0] + (to[0] - from[0]) * t, from[1] + (to[1] - from[1]) * t, s, opts);
  }
}

/** Rectangle scissors: fills (value > 0) or clears (value 0) the rectangle between two plane points. */
export function scissorsRect(map: Labelmap, o: Orientation, a: [number, number], b: [number, number], s: number, value: number): void {
  const p = planeSize(map.dims, o);
  const u0 = Math.max(0, Math.round(Math.min(a[0], b[0])));
  const u1 = Math.min(p.width - 1, Math.round(Math.max(a[0], b[0])));
  const v0 = Math.max(0, Math.round(Math.min(a[1], b[1])));
  const v1 = Math.min(p.height - 1, Math.round(Math.max(a[1], b[1])));
  for (let v = v0; v <= v1; v++) for (let u = u0; u <= u1; u++) map.set(planeIndex(map.dims, o, u, v, s), value);
}

/** Circle scissors: the circle with centre `c` through `edge`, in plane pixels scaled to mm. */
export function scissorsCircle(map: Labelmap, o: Orientation, c: [number, number], edge: [number, number], s: number, value: number): void {
  const p = planeSize(map.dims, o);
  const radius = Math.hypot((edge[0] - c[0]) * p.du, (edge[1] - c[1]) * p.dv);
  brush(map, o, c[0], c[1], s, { radius, sphere: false, value });
}

/** The image values a fill may cover (HU for CT), inclusive. */
export interface FillRange {
  lower: number;
  upper: number;
  image: Int16Array;
}

/**
 * Paint fill: the 4-connected region of plane pixels that share the seed's label, on one slice,
 * becomes `value` (fills a hole enclosed by a contour). With a range, only pixels whose image
 * value lies in it are reached: clicking soft tissue fills that structure, not the air around
 * the body that shares its (background) label.
 */
export function fill(map: Labelmap, o: Orientation, u: number, v: number, s: number, value: number, range?: FillRange): number {
  const d = map.dims;
  const p = planeSize(d, o);
  const indices = planeIndices(d, o, s);
  const seed = Math.round(u) + Math.round(v) * p.width;
  if (u < 0 || v < 0 || Math.round(u) >= p.width || Math.round(v) >= p.height) return 0;
  const target = map.data[indices[seed]!]!;
  if (target === value) return 0;
  const reaches = (k: number): boolean => {
    const index = indices[k]!;
    if (map.data[index] !== target) return false;
    if (!range) return true;
    const x = range.image[index]!;
    return x >= range.lower && x <= range.upper;
  };
  if (!reaches(seed)) return 0;
  const seen = new Uint8Array(p.width * p.height);
  const stack = [seed];
  seen[seed] = 1;
  let filled = 0;
  while (stack.length) {
    const k = stack.pop()!;
    map.set(indices[k]!, value);
    filled++;
    const x = k % p.width;
    const y = (k - x) / p.width;
    const next = [x > 0 ? k - 1 : -1, x < p.width - 1 ? k + 1 : -1, y > 0 ? k - p.width : -1, y < p.height - 1 ? k + p.width : -1];
    for (const n of next) {
      if (n < 0 || seen[n]) continue;
      seen[n] = 1;
      if (reaches(n)) stack.push(n);
    }
  }
  return filled;
}
