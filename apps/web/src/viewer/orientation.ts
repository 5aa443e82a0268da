import type { Orientation } from './geometry';

/**
 * Orientation letters of a view's edges, from the item's direction cosines (DICOM patient
 * coordinates, LPS: +x towards the patient's left, +y posterior, +z superior). A direction gets
 * the letters of its components in order of size, as Slicer and OHIF write an oblique one
 * ("LP" for a row running mostly left and a little posterior); components under the obliquity
 * threshold are left out so noise in the cosines adds no letter.
 */
const positive = ['L', 'P', 'S'] as const;
const negative = ['R', 'A', 'I'] as const;
const obliquity = 0.25;

export function directionLetters(vector: readonly number[]): string {
  return [0, 1, 2]
    .map((axis) => ({ axis, value: vector[axis] ?? 0 }))
    .filter((c) => Math.abs(c.value) >= obliquity)
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value))
    .map((c) => (c.value > 0 ? positive[c.axis] : negative[c.axis]))
    .join('');
}

export interface EdgeLetters {
  left: string;
  right: string;
  top: string;
  bottom: string;
}

const negate = (v: readonly number[]): number[] => v.map((x) => -x);

/**
 * The letters at a view's edges. `direction` is the grid's row direction, column direction and
 * slice normal (nine numbers); the views draw x along the row, y along the column and put the
 * highest slice at the top of the coronal and sagittal views (geometry.ts).
 */
export function viewEdgeLetters(direction: readonly number[], o: Orientation): EdgeLetters {
  const row = direction.slice(0, 3);
  const column = direction.slice(3, 6);
  const normal = direction.slice(6, 9);
  const [right, down] = o === 'axial' ? [row, column] : o === 'coronal' ? [row, negate(normal)] : [column, negate(normal)];
  return { left: directionLetters(negate(right)), right: directionLetters(right), top: directionLetters(negate(down)), bottom: directionLetters(down) };
}
