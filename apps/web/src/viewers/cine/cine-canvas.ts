import type { Label } from '@delineate/schema';
import type { WindowLevel } from '../../viewer/render';
import type { SliceContours } from './cine-api';
import { contourKinds } from './cine-contours';

export interface PlanePicture {
  columns: number;
  rows: number;
  scale: number;
  /** The plane's values (signal intensity), or null while it loads. */
  values: Int16Array | null;
  window: WindowLevel;
  /** Stored labels of the plane (the revision opened), drawn translucent. */
  labels: Uint8Array | null;
  labelColours: readonly Label[];
  contours: SliceContours | undefined;
  /** The polygon or stroke being drawn, in image coordinates. */
  pending: readonly number[];
  pendingColour: string;
}

const rgb = (hex: string): [number, number, number] => [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];

/** Draws one slice at one phase: grey values in the window, stored labels, then the contours. */
export function drawPlane(canvas: HTMLCanvasElement, p: PlanePicture): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const image = new ImageData(p.columns, p.rows);
  const low = p.window.centre - p.window.width / 2;
  const colours = new Map(p.labelColours.map((l) => [l.value, rgb(l.colour)]));
  for (let i = 0; i < p.columns * p.rows; i++) {
    const g = p.values ? Math.max(0, Math.min(255, ((p.values[i]! - low) / p.window.width) * 255)) : 0;
    let [r, gr, b] = [g, g, g];
    const c = p.labels && p.labels[i] ? colours.get(p.labels[i]!) : undefined;
    if (c) [r, gr, b] = [0.6 * g + 0.4 * c[0], 0.6 * g + 0.4 * c[1], 0.6 * g + 0.4 * c[2]];
    image.data.set([r, gr, b, 255], i * 4);
  }
  const native = document.createElement('canvas');
  [native.width, native.height] = [p.columns, p.rows];
  native.getContext('2d')!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(native, 0, 0, canvas.width, canvas.height);
  const toCanvas = (x: number, y: number): [number, number] => [(x + 0.5) * p.scale, (y + 0.5) * p.scale];
  const path = (points: readonly number[], close: boolean, colour: string) => {
    if (points.length < 2) return;
    ctx.beginPath();
    for (let i = 0; i + 1 < points.length; i += 2) {
      const [x, y] = toCanvas(points[i]!, points[i + 1]!);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    if (close) ctx.closePath();
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.stroke();
  };
  for (const { kind, colour } of contourKinds) {
    const points = p.contours?.[kind];
    if (points) path(points, true, colour);
  }
  path(p.pending, false, p.pendingColour);
}

/** A montage thumbnail: the plane's grey values sampled onto `size`², with its label outline in the labels' colours. */
export function drawThumbnail(canvas: HTMLCanvasElement, p: { columns: number; rows: number; size: number; values: Int16Array | null; window: WindowLevel; outline: Uint8Array | null; labelColours: readonly Label[] }): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const image = new ImageData(p.size, p.size);
  const low = p.window.centre - p.window.width / 2;
  const colours = new Map(p.labelColours.map((l) => [l.value, rgb(l.colour)]));
  for (let y = 0; y < p.size; y++) {
    for (let x = 0; x < p.size; x++) {
      const i = y * p.size + x;
      const source = Math.floor((y * p.rows) / p.size) * p.columns + Math.floor((x * p.columns) / p.size);
      const g = p.values ? Math.max(0, Math.min(255, ((p.values[source]! - low) / p.window.width) * 255)) : 0;
      const c = p.outline && p.outline[i] ? colours.get(p.outline[i]!) : undefined;
      image.data.set(c ? [c[0], c[1], c[2], 255] : [g, g, g, 255], i * 4);
    }
  }
  ctx.putImageData(image, 0, 0);
}
