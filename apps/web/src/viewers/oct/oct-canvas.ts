/** Drawing the B-scan and the en-face view on their canvases (the state lives in the viewer). */
import { AScanState, octBoundaries, octBoundaryConcepts, type BoundarySet } from '@delineate/core';
import { boundaryRow, rangesInState, type Knot } from './boundary-edit';
import { toScreen, type BScanView } from './bscan-view';
import type { EnFaceLayout } from './en-face';

export interface BScanDrawing {
  pixels: ArrayLike<number>;
  rows: number;
  ascans: number;
  view: BScanView;
  set: BoundarySet;
  bscan: number;
  selected: number;
  knots: readonly Knot[];
  /** The first click of a snap, or a stroke being drawn, or an absent range being dragged. */
  pending: { kind: 'snap'; from: Knot } | { kind: 'stroke'; points: Knot[] } | { kind: 'absent'; from: number; to: number } | null;
}

/** The B-scan's grey pixels as an image `ascans` wide and `rows` high. */
function greyImage(pixels: ArrayLike<number>, ascans: number, rows: number): HTMLCanvasElement {
  const image = new ImageData(ascans, rows);
  for (let i = 0; i < ascans * rows; i++) {
    const v = Math.max(0, Math.min(255, pixels[i]!));
    image.data.set([v, v, v, 255], i * 4);
  }
  const c = document.createElement('canvas');
  [c.width, c.height] = [ascans, rows];
  c.getContext('2d')!.putImageData(image, 0, 0);
  return c;
}

export function drawBScan(canvas: HTMLCanvasElement, d: BScanDrawing): void {
  const g = canvas.getContext('2d')!;
  const { view } = d;
  g.fillStyle = '#000';
  g.fillRect(0, 0, canvas.width, canvas.height);
  const grey = greyImage(d.pixels, d.ascans, d.rows);
  g.imageSmoothingEnabled = false;
  if (view.shifts) {
    // Flattened: each A-scan drawn on its own, moved by its shift.
    for (let a = 0; a < d.ascans; a++) g.drawImage(grey, a, 0, 1, d.rows, a * view.xScale, view.shifts[a]! * view.yScale, view.xScale, d.rows * view.yScale);
  } else {
    g.drawImage(grey, 0, 0, d.ascans, d.rows, 0, 0, d.ascans * view.xScale, d.rows * view.yScale);
  }
  octBoundaries.forEach((key, b) => {
    const { heights, states } = boundaryRow(d.set, b, d.bscan);
    const colour = octBoundaryConcepts[key].colour;
    const selected = b === d.selected;
    g.strokeStyle = colour;
    g.lineWidth = selected ? 2.5 : 1.2;
    g.setLineDash([]);
    g.beginPath();
    let drawing = false;
    for (let a = 0; a < d.ascans; a++) {
      if (states[a] !== AScanState.value) {
        drawing = false;
        continue;
      }
      const [x, y] = toScreen(view, a, heights[a]!);
      if (drawing) g.lineTo(x, y);
      else g.moveTo(x, y);
      drawing = true;
    }
    g.stroke();
    // Absent/ungradable spans: a dashed band across the span, at the boundary's neighbouring heights.
    for (const [a0, a1] of rangesInState(states, AScanState.absent)) {
      const before = a0 > 0 && states[a0 - 1] === AScanState.value ? heights[a0 - 1]! : undefined;
      const after = a1 + 1 < d.ascans && states[a1 + 1] === AScanState.value ? heights[a1 + 1]! : undefined;
      const row = before ?? after ?? 4;
      const [x0, y0] = toScreen(view, a0, row);
      const [x1, y1] = toScreen(view, a1, after ?? row);
      g.setLineDash([4, 4]);
      g.lineWidth = selected ? 6 : 4;
      g.globalAlpha = 0.55;
      g.beginPath();
      g.moveTo(x0, y0);
      g.lineTo(x1, y1);
      g.stroke();
      g.globalAlpha = 1;
      g.setLineDash([]);
    }
  });
  g.fillStyle = '#ffffff';
  g.strokeStyle = octBoundaryConcepts[octBoundaries[d.selected]!].colour;
  g.lineWidth = 1.5;
  for (const k of d.knots) {
    const [x, y] = toScreen(view, k.ascan, k.row);
    g.beginPath();
    g.arc(x, y, 4, 0, Math.PI * 2);
    g.fill();
    g.stroke();
  }
  const p = d.pending;
  g.strokeStyle = '#ffffff';
  if (p?.kind === 'snap') {
    const [x, y] = toScreen(view, p.from.ascan, p.from.row);
    g.strokeRect(x - 5, y - 5, 10, 10);
  } else if (p?.kind === 'stroke' && p.points.length > 1) {
    g.setLineDash([5, 3]);
    g.beginPath();
    p.points.forEach((k, i) => {
      const [x, y] = toScreen(view, k.ascan, k.row);
      if (i === 0) g.moveTo(x, y);
      else g.lineTo(x, y);
    });
    g.stroke();
    g.setLineDash([]);
  } else if (p?.kind === 'absent') {
    const [x0] = toScreen(view, Math.min(p.from, p.to), 0);
    const [x1] = toScreen(view, Math.max(p.from, p.to), 0);
    g.fillStyle = 'rgba(255,255,255,0.15)';
    g.fillRect(x0, 0, x1 - x0 + view.xScale, canvas.height);
  }
}

/** The en-face projection as an image (`ascans` × `bscans`), to draw scaled like the localizer. */
export function projectionImage(projection: Uint8ClampedArray, bscans: number, ascans: number): HTMLCanvasElement {
  const image = new ImageData(ascans, bscans);
  for (let i = 0; i < projection.length; i++) image.data.set([projection[i]!, projection[i]!, projection[i]!, 255], i * 4);
  const c = document.createElement('canvas');
  [c.width, c.height] = [ascans, bscans];
  c.getContext('2d')!.putImageData(image, 0, 0);
  return c;
}

/** The en-face image with every B-scan's line, the current one highlighted. */
export function drawEnFace(canvas: HTMLCanvasElement, image: CanvasImageSource, layout: EnFaceLayout, current: number): void {
  const g = canvas.getContext('2d')!;
  g.imageSmoothingEnabled = true;
  g.drawImage(image, 0, 0, layout.width, layout.height);
  layout.lines.forEach((line, s) => {
    g.strokeStyle = s === current ? '#00e5ff' : 'rgba(120, 200, 120, 0.55)';
    g.lineWidth = s === current ? 2.5 : 1;
    g.beginPath();
    g.moveTo(line.x0, line.y0);
    g.lineTo(line.x1, line.y1);
    g.stroke();
  });
}
