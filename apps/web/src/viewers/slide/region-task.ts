/**
 * The rules of a slide-region task as the viewer applies them (issue 17 §1): tools work only
 * inside the task's zoom band, with the reason in the words the server refuses a save with
 * (packages/store/src/pathology/magnification.ts), and the annotator walks the region field by field.
 */
import type { FieldState, SlideBox, TaskField, ZoomBand } from '@delineate/schema';

const times = (m: number) => `${Number(m.toFixed(2))}×`;

/** Why the tools are off at `magnification`, in words; null inside the band. */
export function zoomBandRefusal(band: ZoomBand, target: number, magnification: number): string | null {
  // The same slack as the server's, so the edge of the band is never on for one and off for the other.
  const tolerance = 1e-6;
  const works = `Painting works from ${times(band.min)} to ${times(band.max)} for this ${times(target)} task`;
  if (magnification < band.min * (1 - tolerance)) return `${works}; zoom in from ${times(magnification)}`;
  if (magnification > band.max * (1 + tolerance)) return `${works}; zoom out from ${times(magnification)}`;
  return null;
}

/** The field after (`step` 1) or before (−1) `current`, wrapping round; the first field when none is current. */
export function stepField(count: number, current: number | null, step: 1 | -1): number | null {
  if (count === 0) return null;
  if (current === null) return step === 1 ? 0 : count - 1;
  return (current + step + count) % count;
}

/** The first field not yet done after `current` (wrapping), or null when all are done. */
export function nextOpenField(fields: readonly TaskField[], current: number | null): number | null {
  const n = fields.length;
  const start = current === null ? 0 : current + 1;
  for (let k = 0; k < n; k++) {
    const f = fields[(start + k) % n]!;
    if (f.state !== 'done') return f.index;
  }
  return null;
}

/** A field's state moves forward only (unseen → seen → done), as the server keeps it. */
export function advancedState(from: FieldState, to: FieldState): FieldState {
  const order: readonly FieldState[] = ['unseen', 'seen', 'done'];
  return order.indexOf(to) > order.indexOf(from) ? to : from;
}

export const fieldStateWords: Record<FieldState, string> = { unseen: 'not seen yet', seen: 'seen', done: 'done' };

/** Outline colours of the field grid: grey not seen, amber seen, green done. */
export const fieldStateColours: Record<FieldState, string> = { unseen: '#9e9e9e', seen: '#ffb300', done: '#43a047' };

/** The centre of a box, in slide pixels. */
export function centreOf(box: SlideBox): [number, number] {
  return [box.x + box.width / 2, box.y + box.height / 2];
}

/** The field containing a slide pixel, or null. */
export function fieldAt(fields: readonly TaskField[], x: number, y: number): TaskField | null {
  return fields.find((f) => x >= f.box.x && x < f.box.x + f.box.width && y >= f.box.y && y < f.box.y + f.box.height) ?? null;
}

/** Progress in words for the work list and the task panel. */
export function progressWords(p: { unseen: number; seen: number; done: number; total: number }): string {
  if (p.total === 0) return 'no fields';
  return `${p.done} of ${p.total} field${p.total === 1 ? '' : 's'} done${p.seen ? `, ${p.seen} seen` : ''}`;
}
