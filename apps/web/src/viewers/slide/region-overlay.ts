/**
 * What a slide-region task adds over the labels, drawn on the label canvas in the same transform
 * (slide pixels): the region's polygon, its field grid coloured by state with the current field
 * outlined thicker, the boxes of a boundary review, and the outline of a region being drawn.
 */
import type { BoundaryField, FieldState, SlideBox, SlidePoint, TaskField } from '@delineate/schema';
import type { Affine } from './label-overlay';
import type { Point } from './paint';
import { fieldStateColours } from './region-task';

export interface RegionScene {
  /** Polygons of regions (the task's own, or those drawn on the slide), in slide pixels. */
  polygons: readonly (readonly SlidePoint[])[];
  fields: readonly TaskField[];
  currentField: number | null;
  /** A boundary review's fields (accepted and edited shown as done). */
  boundary: readonly BoundaryField[];
  currentBoundaryField: number | null;
  /** A region outline being drawn, in slide pixels. */
  drawing: readonly Point[];
}

export const emptyScene: RegionScene = { polygons: [], fields: [], currentField: null, boundary: [], currentBoundaryField: null, drawing: [] };

const boundaryState = (s: BoundaryField['state']): FieldState => (s === 'unseen' ? 'unseen' : s === 'seen' ? 'seen' : 'done');

/** Draws the scene; `t` maps slide pixels to canvas pixels. */
export function drawRegionScene(ctx: CanvasRenderingContext2D, t: Affine, scene: RegionScene): void {
  ctx.setTransform(t.a, t.b, t.c, t.d, t.e, t.f);
  const px = 1 / Math.hypot(t.a, t.b);
  const box = (b: SlideBox, colour: string, width: number) => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = width * px;
    ctx.strokeRect(b.x, b.y, b.width, b.height);
  };
  for (const f of scene.fields) if (f.index !== scene.currentField) box(f.box, fieldStateColours[f.state], 1);
  for (const f of scene.boundary) if (f.index !== scene.currentBoundaryField) box(f.box, fieldStateColours[boundaryState(f.state)], 1);
  const current = scene.fields.find((f) => f.index === scene.currentField);
  if (current) box(current.box, '#ffffff', 3);
  const currentBoundary = scene.boundary.find((f) => f.index === scene.currentBoundaryField);
  if (currentBoundary) box(currentBoundary.box, '#ffffff', 3);
  ctx.strokeStyle = '#00e5ff';
  ctx.lineWidth = 2 * px;
  for (const polygon of scene.polygons) path(ctx, polygon, true);
  if (scene.drawing.length > 0) {
    ctx.setLineDash([6 * px, 4 * px]);
    path(ctx, scene.drawing, false);
    ctx.setLineDash([]);
  }
}

function path(ctx: CanvasRenderingContext2D, points: readonly (readonly [number, number])[], closed: boolean): void {
  ctx.beginPath();
  points.forEach((p, i) => (i ? ctx.lineTo(p[0], p[1]) : ctx.moveTo(p[0], p[1])));
  if (closed) ctx.closePath();
  ctx.stroke();
}
