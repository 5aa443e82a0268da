import { num, type StripPlot } from './layout';

/** Drawing primitives in a top-left origin, in points; SVG and PDF draw the same list. */
export type Shape =
  | { readonly t: 'line'; readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number; readonly width: number; readonly colour: string }
  | { readonly t: 'circle'; readonly cx: number; readonly cy: number; readonly r: number; readonly colour: string }
  | { readonly t: 'rect'; readonly x: number; readonly y: number; readonly w: number; readonly h: number; readonly colour: string }
  | { readonly t: 'text'; readonly x: number; readonly y: number; readonly text: string; readonly size: number; readonly anchor: 'start' | 'middle' | 'end' };

export interface Figure {
  readonly width: number;
  readonly height: number;
  readonly shapes: readonly Shape[];
}

const WIDTH = 480;
const ROW = 38;
const LEFT = 150;
const RIGHT = 455;

/**
 * A strip plot: one row per measure, every value a dot on the row's own axis (a small fixed
 * vertical offset by position keeps equal values apart without randomness), the 95 % CI as a
 * band and the mean as a bar.
 */
export function stripFigure(plot: StripPlot): Figure {
  const shapes: Shape[] = [{ t: 'text', x: 0, y: 12, text: plot.title, size: 9, anchor: 'start' }];
  plot.rows.forEach((row, r) => {
    const top = 20 + r * ROW;
    const axisY = top + 22;
    const span = row.axisMax - row.axisMin || 1;
    const x = (v: number): number => LEFT + ((Math.min(row.axisMax, Math.max(row.axisMin, v)) - row.axisMin) / span) * (RIGHT - LEFT);
    const unit = row.unit ? ` ${row.unit}` : '';
    shapes.push({ t: 'text', x: 0, y: axisY + 3, text: row.label, size: 8, anchor: 'start' });
    if (row.ci) shapes.push({ t: 'rect', x: x(row.ci[0]), y: axisY - 9, w: Math.max(0.5, x(row.ci[1]) - x(row.ci[0])), h: 18, colour: '#cfe0f3' });
    shapes.push({ t: 'line', x1: LEFT, y1: axisY, x2: RIGHT, y2: axisY, width: 0.6, colour: '#555555' });
    for (const v of [row.axisMin, row.axisMax]) {
      shapes.push({ t: 'line', x1: x(v), y1: axisY - 2, x2: x(v), y2: axisY + 2, width: 0.6, colour: '#555555' });
      shapes.push({ t: 'text', x: x(v), y: axisY + 12, text: `${num(v, span <= 2 ? 1 : 0)}${unit}`, size: 7, anchor: 'middle' });
    }
    row.values.forEach((v, i) => shapes.push({ t: 'circle', cx: x(v), cy: axisY + ((i % 5) - 2) * 2, r: 2.2, colour: '#1f5fa8' }));
    if (row.mean !== null) {
      shapes.push({ t: 'line', x1: x(row.mean), y1: axisY - 9, x2: x(row.mean), y2: axisY + 9, width: 1.4, colour: '#b3261e' });
      shapes.push({ t: 'text', x: RIGHT + 4, y: axisY + 3, text: num(row.mean, 2), size: 7, anchor: 'start' });
    }
  });
  return { width: WIDTH + 25, height: 24 + plot.rows.length * ROW, shapes };
}
