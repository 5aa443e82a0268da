/** What the OCT workspace says, in words: boundary names, the order refusal, the shortcuts. */
import { octBoundaries, octBoundaryConcepts, type OctBoundary } from '@delineate/core';

/** Short names readers use, beside each boundary's full meaning (the legend shows both). */
export const boundaryShortNames: Readonly<Record<OctBoundary, string>> = {
  ILM: 'ILM',
  RNFL_GCL: 'RNFL / GCL',
  GCL_IPL: 'GCL / IPL',
  IPL_INL: 'IPL / INL',
  INL_OPL: 'INL / OPL',
  OPL_ONL: 'OPL / ONL',
  ELM: 'ELM',
  EZ: 'EZ',
  IZ: 'IZ',
  RPE: 'RPE',
  BM: 'BM',
};

export const boundaryLegend = octBoundaries.map((key, index) => ({
  key,
  index,
  short: boundaryShortNames[key],
  meaning: octBoundaryConcepts[key].meaning,
  colour: octBoundaryConcepts[key].colour,
}));

const isBoundary = (value: unknown): value is OctBoundary => typeof value === 'string' && (octBoundaries as readonly string[]).includes(value);

/**
 * The boundary-order refusal (`DLN_OCT_BOUNDARY_ORDER`) in words, from the fields the server
 * sends beside its message (the two boundaries, the B-scan and A-scan, counted from 0).
 */
export function orderRefusalWords(body: Record<string, unknown> | undefined): string | null {
  const details = (body?.details ?? body) as Record<string, unknown> | undefined;
  if (!details || !isBoundary(details.upper) || !isBoundary(details.lower) || typeof details.bscan !== 'number') return null;
  const where = typeof details.ascan === 'number' ? ` at A-scan ${details.ascan + 1}` : '';
  return `Not saved: ${boundaryShortNames[details.upper]} (${octBoundaryConcepts[details.upper].meaning}) lies below ${boundaryShortNames[details.lower]} (${octBoundaryConcepts[details.lower].meaning}) on B-scan ${details.bscan + 1}${where}. Move one of them so the boundaries keep their order.`;
}

/** The editing tools, with the key each has and what the help says. */
export const octTools = [
  { id: 'knots', key: 'k', words: 'Drag knots', help: 'drag a knot of the selected boundary up or down' },
  { id: 'stroke', key: 'd', words: 'Draw', help: 'draw the selected boundary with a stroke' },
  { id: 'snap', key: 's', words: 'Snap', help: 'click two points: the boundary follows the strongest edge between them' },
  { id: 'absent', key: 'a', words: 'Mark absent', help: 'drag across A-scans where the boundary is absent or ungradable (e.g. EZ loss)' },
] as const;
export type OctToolId = (typeof octTools)[number]['id'];

/** The boundary a number key selects: 1 … 9 the first nine (ILM … IZ), 0 the tenth (RPE), - the eleventh (BM). */
export function boundaryOfKey(key: string): number | null {
  if (/^[1-9]$/.test(key)) return Number(key) - 1;
  if (key === '0') return 9;
  if (key === '-') return 10;
  return null;
}

/** Every key the OCT workspace binds: the shell leaves them to it (its own 1 … 9 select mask labels, S its sphere brush). */
export const octClaimedKeys: readonly string[] = ['arrowup', 'arrowdown', '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', ...octTools.map((t) => t.key)];
