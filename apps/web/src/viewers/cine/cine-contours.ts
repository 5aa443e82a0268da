import type { ContourKind, SliceContours } from './cine-api';

/** The structures a reader outlines, in words, with the colour each is drawn in. */
export const contourKinds: readonly { kind: ContourKind; words: string; colour: string }[] = [
  { kind: 'lvEndocardium', words: 'LV endocardium', colour: '#ff4d4d' },
  { kind: 'lvEpicardium', words: 'LV epicardium', colour: '#4dd2ff' },
  { kind: 'rvEndocardium', words: 'RV endocardium', colour: '#ffd24d' },
];

/** A cine plane: the stack holds phases one after another, each of `slices` planes. */
export const planeOf = (slice: number, phase: number, slices: number) => phase * slices + slice;
export const planeKey = (slice: number, phase: number) => `${slice}:${phase}`;

/** Contours drawn in this visit, by plane; what is saved is exactly these. */
export type ContourBook = ReadonlyMap<string, SliceContours>;

export function withContour(book: ContourBook, slice: number, phase: number, kind: ContourKind, points: number[]): Map<string, SliceContours> {
  const next = new Map(book);
  next.set(planeKey(slice, phase), { ...book.get(planeKey(slice, phase)), [kind]: points });
  return next;
}

/** Copies one plane's contours onto another (the next phase or slice), replacing what was there. */
export function copyContours(book: ContourBook, from: { slice: number; phase: number }, to: { slice: number; phase: number }): Map<string, SliceContours> {
  const next = new Map(book);
  const source = book.get(planeKey(from.slice, from.phase));
  if (source) next.set(planeKey(to.slice, to.phase), structuredClone(source));
  return next;
}

/** The body of a save: every plane with at least one contour. */
export function contoursToSave(book: ContourBook): ({ slice: number; phase: number } & SliceContours)[] {
  return [...book.entries()]
    .filter(([, c]) => Object.keys(c).length > 0)
    .map(([key, c]) => {
      const [slice, phase] = key.split(':').map(Number) as [number, number];
      return { slice, phase, ...c };
    });
}

/** A point on the canvas (CSS pixels) as image coordinates, pixel centres at integers. */
export function canvasToImage(x: number, y: number, scale: number): [number, number] {
  return [Math.round((x / scale - 0.5) * 100) / 100, Math.round((y / scale - 0.5) * 100) / 100];
}

/** Freehand strokes become contours with points at least this many pixels apart. */
export function thinStroke(points: readonly number[], minStep = 0.5): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < points.length; i += 2) {
    const [x, y] = [points[i]!, points[i + 1]!];
    const n = out.length;
    if (n >= 2 && Math.hypot(x - out[n - 2]!, y - out[n - 1]!) < minStep) continue;
    out.push(x, y);
  }
  return out;
}
