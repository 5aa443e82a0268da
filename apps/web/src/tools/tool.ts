/**
 * One interface for every editing tool: a small state machine fed pointer down, move, up, key and
 * cancel by whichever viewer is open, answering with what it did. Tools never touch React or the
 * DOM; they paint through the {@link Labelmap} (so every edit is an undoable stroke and the save
 * controller learns which tiles changed), and each is tested without a page.
 */
import type { Orientation } from '../viewer/geometry';
import type { Labelmap, Stroke } from '../viewer/labelmap';
import type { TileStroke } from '../viewer/tile-labelmap';
import type { Measurement } from './measure';

/** A pointer over a view, in that view's plane pixels (u, v) on slice s. */
export interface ToolPointer {
  orientation: Orientation;
  u: number;
  v: number;
  s: number;
  shift: boolean;
}

/** The options every tool may read; the workspace's tool bar edits them. */
export interface ToolOptions {
  /** Brush radius in mm. */
  radiusMm: number;
  /** Brush and eraser reach the neighbouring slices within the radius. */
  sphere: boolean;
  /** Threshold brush: the intensity window painted. */
  threshold: { lower: number; upper: number };
  /** Region growing: how far (in image units) a voxel may lie from the seed's value. */
  tolerance: number;
}

export const defaultToolOptions: ToolOptions = { radiusMm: 5, sphere: false, threshold: { lower: -100, upper: 200 }, tolerance: 60 };

/** What a tool works on, given with every event. */
export interface ToolContext {
  map: Labelmap;
  /** The selected label's value. */
  label: number;
  /** The image's voxels in the label volume's order (HU for CT), or null while unknown. */
  image: Int16Array | null;
  options: ToolOptions;
}

/** An inclusive voxel box (significant-region marks). */
export interface VoxelBox {
  min: [number, number, number];
  max: [number, number, number];
}

/** What an event did, for the viewer to redraw and the workspace to record. */
export type ToolEffect =
  | { kind: 'none' }
  /** Voxels changed inside a stroke still open: redraw. */
  | { kind: 'painting' }
  /** An undoable edit is finished. */
  | { kind: 'edited'; stroke: Stroke | TileStroke; notice?: string; /** A slide task's edits: the magnification they were made at (its saves say it). */ magnification?: number }
  /** The cursor (every view's slice) moves to this voxel. */
  | { kind: 'cursor'; voxel: [number, number, number]; released?: boolean }
  /** A box is being dragged (`final` once released). */
  | { kind: 'box'; box: VoxelBox; final: boolean }
  /** Something to tell the person, in words. */
  | { kind: 'notice'; text: string }
  /** A ruler or ellipse ROI being dragged (`final` once released); the viewer draws it. */
  | { kind: 'measured'; measurement: Measurement; final: boolean };

export const none: ToolEffect = { kind: 'none' };

export type ToolId = 'brush' | 'eraser' | 'threshold' | 'rect' | 'circle' | 'fill' | 'region' | 'crosshair' | 'mark' | 'interpolate' | 'ruler' | 'ellipse';

/** What a tool writes: the selected label, background, either (Shift erases), or nothing. */
export type ToolPaints = 'label' | 'background' | 'label-or-background' | 'nothing';

export interface Tool {
  readonly id: ToolId;
  /** Its name on the tool bar, in words. */
  readonly name: string;
  /** Its keyboard shortcut (one key, shown in the help). */
  readonly shortcut: string;
  readonly paints: ToolPaints;
  /** Which options it reads (the tool bar shows only those). */
  readonly uses: readonly (keyof ToolOptions)[];
  /** The outline of the brush follows the pointer. */
  readonly showsBrush: boolean;
  /** The state it is in, for the viewer and tests. */
  readonly state: string;
  down(ctx: ToolContext, p: ToolPointer): ToolEffect;
  move(ctx: ToolContext, p: ToolPointer): ToolEffect;
  up(ctx: ToolContext, p: ToolPointer): ToolEffect;
  key(ctx: ToolContext, key: string): ToolEffect;
  /** Abandons what is in progress (Escape, the pointer leaving, a dialog opening). */
  cancel(ctx: ToolContext): ToolEffect;
}

/** Closes the map's open stroke, as an `edited` effect when it changed anything. */
export function finish(map: Labelmap): ToolEffect {
  const stroke = map.end();
  return stroke ? { kind: 'edited', stroke } : none;
}

/** Runs a one-step edit as its own stroke. */
export function oneStroke(map: Labelmap, name: string, work: () => void): ToolEffect {
  map.begin(name);
  work();
  return finish(map);
}
