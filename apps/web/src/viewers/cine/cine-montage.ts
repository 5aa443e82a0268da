import { planeKey, planeOf, type ContourBook } from './cine-contours';

/** One cell of the slice × phase montage: a plane, whether it is outlined, and what opening it does. */
export interface MontageCell {
  readonly slice: number;
  readonly phase: number;
  readonly plane: number;
  /** Contours drawn in this visit or labels stored on the plane: the cell shows an outline thumbnail. */
  readonly outlined: boolean;
  /** The plane open in the main view. */
  readonly current: boolean;
  /** In words, for the cell's accessible name and tooltip. */
  readonly words: string;
}

export interface MontageColumn {
  readonly phase: number;
  /** Marked when the reading designates this phase end-diastole or end-systole. */
  readonly mark: 'ED' | 'ES' | null;
  readonly words: string;
}

/** Rows are slices (base at the top), columns phases, ED and ES columns marked. */
export interface Montage {
  readonly columns: readonly MontageColumn[];
  readonly rows: readonly (readonly MontageCell[])[];
}

export interface MontageInput {
  readonly slices: number;
  readonly phases: number;
  readonly designation: { readonly edPhase: number; readonly esPhase: number } | null | undefined;
  readonly book: ContourBook;
  /** The stored labels of the whole stack (planes phase by phase), or null before they load. */
  readonly labels: Uint8Array | null;
  readonly planeSize: number;
  readonly current: { readonly slice: number; readonly phase: number };
}

function hasLabels(labels: Uint8Array | null, plane: number, planeSize: number): boolean {
  if (!labels) return false;
  const end = (plane + 1) * planeSize;
  for (let i = plane * planeSize; i < end; i++) if (labels[i]) return true;
  return false;
}

export function montageModel(m: MontageInput): Montage {
  const markOf = (phase: number): MontageColumn['mark'] => (m.designation?.edPhase === phase ? 'ED' : m.designation?.esPhase === phase ? 'ES' : null);
  const columns = Array.from({ length: m.phases }, (_, phase) => {
    const mark = markOf(phase);
    return { phase, mark, words: `Phase ${phase + 1}${mark === 'ED' ? ' (end-diastole)' : mark === 'ES' ? ' (end-systole)' : ''}` };
  });
  const rows = Array.from({ length: m.slices }, (_, slice) =>
    columns.map(({ phase, words }) => {
      const plane = planeOf(slice, phase, m.slices);
      const drawn = Object.keys(m.book.get(planeKey(slice, phase)) ?? {}).length > 0;
      const outlined = drawn || hasLabels(m.labels, plane, m.planeSize);
      return { slice, phase, plane, outlined, current: slice === m.current.slice && phase === m.current.phase, words: `Slice ${slice + 1}, ${words.toLowerCase()}${outlined ? ', outlined' : ''}` };
    }),
  );
  return { columns, rows };
}

/** The side of a cell in pixels: the grid fits `width`, cells between 16 and 64 pixels. */
export function montageCellSize(phases: number, width: number): number {
  return Math.max(16, Math.min(64, Math.floor(width / Math.max(1, phases)) - 2));
}

/**
 * A thumbnail's outline: the label boundary (a labelled pixel with a 4-neighbour of another value)
 * sampled onto `size` × `size` cells, as the label value drawn there (0 where none).
 */
export function outlineThumbnail(labels: Uint8Array, columns: number, rows: number, size: number): Uint8Array {
  const out = new Uint8Array(size * size);
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= columns || y >= rows ? 0 : labels[y * columns + x]!);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const v = at(x, y);
      if (!v || (at(x - 1, y) === v && at(x + 1, y) === v && at(x, y - 1) === v && at(x, y + 1) === v)) continue;
      out[Math.floor((y * size) / rows) * size + Math.floor((x * size) / columns)] = v;
    }
  }
  return out;
}
