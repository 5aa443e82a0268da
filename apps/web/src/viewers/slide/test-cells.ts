import type { Cell } from '@delineate/schema';

/** A cell as a person drew it and nobody reviewed yet: the viewer's tests' starting point. */
export const personCell = (id: number, classKey: string, x: number, y: number, polygon?: [number, number][]): Cell => ({
  id,
  classKey,
  x,
  y,
  ...(polygon ? { polygon } : {}),
  authorId: null,
  source: { kind: 'person' },
  reviewStatus: 'unreviewed',
});
