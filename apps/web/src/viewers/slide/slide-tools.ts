/**
 * The slide's painting tools as small state machines over the sparse labels, fed pointer events
 * in label pixels by the slide viewer and tested without a page: brush and eraser (size in µm,
 * turned into pixels by the viewer), fill bounded to the view, and the region tools rectangle,
 * polygon and freehand, which fill the selected label (Shift: background).
 */
import type { TileLabelmap, TileStroke } from '../../viewer/tile-labelmap';
import { fillPolygon, fillRegion, paintDisc, paintLine, rectangle, type PixelRect, type Point } from './paint';

export type SlideToolId = 'navigate' | 'brush' | 'eraser' | 'fill' | 'rectangle' | 'polygon' | 'freehand';

export const slideTools: readonly { id: SlideToolId; name: string; key: string }[] = [
  { id: 'navigate', name: 'Move', key: 'n' },
  { id: 'brush', name: 'Brush', key: 'b' },
  { id: 'eraser', name: 'Eraser', key: 'e' },
  { id: 'fill', name: 'Fill', key: 'f' },
  { id: 'rectangle', name: 'Rectangle', key: 'r' },
  { id: 'polygon', name: 'Polygon', key: 'p' },
  { id: 'freehand', name: 'Freehand', key: 'd' },
];

export interface SlideToolContext {
  map: TileLabelmap;
  /** The selected label's value. */
  label: number;
  /** Brush and eraser radius in label pixels. */
  radius: number;
  /** The labels in view: a fill stays inside. */
  view: PixelRect;
}

export type SlideToolResult =
  | { kind: 'none' }
  | { kind: 'painting' }
  /** The outline being drawn (region tools), to show. */
  | { kind: 'outline'; points: readonly Point[] }
  | { kind: 'edited'; stroke: TileStroke; skipped: number };

const none: SlideToolResult = { kind: 'none' };

export interface SlideTool {
  down(ctx: SlideToolContext, p: Point, shift: boolean): SlideToolResult;
  move(ctx: SlideToolContext, p: Point): SlideToolResult;
  up(ctx: SlideToolContext, p: Point): SlideToolResult;
  /** A double click (polygon: close). */
  finish(ctx: SlideToolContext): SlideToolResult;
  cancel(ctx: SlideToolContext): SlideToolResult;
}

function ended(map: TileLabelmap): SlideToolResult {
  const skipped = map.skipped;
  const stroke = map.end();
  return stroke ? { kind: 'edited', stroke, skipped } : none;
}

function brushTool(erase: boolean): SlideTool {
  let last: Point | null = null;
  let value = 0;
  return {
    down(ctx, p, shift) {
      value = erase || shift ? 0 : ctx.label;
      ctx.map.begin(erase ? 'eraser' : 'brush');
      paintDisc(ctx.map, p[0], p[1], ctx.radius, { value });
      last = p;
      return { kind: 'painting' };
    },
    move(ctx, p) {
      if (!last) return none;
      paintLine(ctx.map, last, p, ctx.radius, { value });
      last = p;
      return { kind: 'painting' };
    },
    up(ctx) {
      if (!last) return none;
      last = null;
      return ended(ctx.map);
    },
    finish: () => none,
    cancel(ctx) {
      if (last) ctx.map.abort();
      last = null;
      return { kind: 'painting' };
    },
  };
}

function fillTool(): SlideTool {
  return {
    down(ctx, p, shift) {
      ctx.map.begin('fill');
      fillRegion(ctx.map, p, ctx.view, shift ? 0 : ctx.label);
      return ended(ctx.map);
    },
    move: () => none,
    up: () => none,
    finish: () => none,
    cancel: () => none,
  };
}

/** Rectangle and freehand: a drag outlines the region, the release fills it. */
function dragRegionTool(shape: 'rectangle' | 'freehand'): SlideTool {
  let points: Point[] = [];
  let value = 0;
  const outline = (): Point[] => (shape === 'rectangle' ? rectangle(points[0]!, points[points.length - 1]!) : points);
  return {
    down(ctx, p, shift) {
      value = shift ? 0 : ctx.label;
      points = [p];
      return { kind: 'outline', points: outline() };
    },
    move(_ctx, p) {
      if (!points.length) return none;
      if (shape === 'rectangle') points = [points[0]!, p];
      else points.push(p);
      return { kind: 'outline', points: outline() };
    },
    up(ctx, p) {
      if (!points.length) return none;
      if (shape === 'rectangle') points = [points[0]!, p];
      else points.push(p);
      const region = outline();
      points = [];
      ctx.map.begin(shape);
      fillPolygon(ctx.map, region, { value });
      return ended(ctx.map);
    },
    finish: () => none,
    cancel() {
      points = [];
      return { kind: 'outline', points: [] };
    },
  };
}

/** Polygon: each click adds a vertex; a double click, Enter, or a click on the first vertex fills it. */
function polygonTool(): SlideTool {
  let points: Point[] = [];
  let value = 0;
  const close = (ctx: SlideToolContext): SlideToolResult => {
    const region = points;
    points = [];
    if (region.length < 3) return { kind: 'outline', points: [] };
    ctx.map.begin('polygon');
    fillPolygon(ctx.map, region, { value });
    return ended(ctx.map);
  };
  return {
    down(ctx, p, shift) {
      if (!points.length) value = shift ? 0 : ctx.label;
      const first = points[0];
      // Within the brush radius of the first vertex closes the outline.
      if (first && points.length >= 3 && Math.hypot(p[0] - first[0], p[1] - first[1]) <= Math.max(2, ctx.radius)) return close(ctx);
      points.push(p);
      return { kind: 'outline', points };
    },
    move: (_ctx, p) => (points.length ? { kind: 'outline', points: [...points, p] } : none),
    up: () => none,
    finish: close,
    cancel() {
      points = [];
      return { kind: 'outline', points: [] };
    },
  };
}

export function createSlideTool(id: Exclude<SlideToolId, 'navigate'>): SlideTool {
  switch (id) {
    case 'brush':
      return brushTool(false);
    case 'eraser':
      return brushTool(true);
    case 'fill':
      return fillTool();
    case 'rectangle':
    case 'freehand':
      return dragRegionTool(id);
    case 'polygon':
      return polygonTool();
  }
}
