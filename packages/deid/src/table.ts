import { profileRows } from './table.generated';
import type { DeidOption } from './options';
import type { ProfileRow, TableOption } from './table-types';

/** The single action the engine performs, after compound actions and options are resolved. */
export type ResolvedAction = 'D' | 'Z' | 'X' | 'K' | 'C' | 'U';

const byTag = new Map<number, ProfileRow>();
const patterns = new Map<string, ProfileRow>();
/** Each row's option columns as a list, built once (resolveAction runs for every element). */
const optionColumns = new Map<ProfileRow, readonly (readonly [TableOption, string])[]>();
for (const row of profileRows) {
  if (row.tag) byTag.set(Number.parseInt(row.tag, 16) >>> 0, row);
  else if (row.pattern) patterns.set(row.pattern, row);
  optionColumns.set(row, Object.entries(row.options) as [TableOption, string][]);
}

/** The Table E.1-1 row that governs a tag, including the 50xx/60xx repeating groups and private groups. */
export function profileRowFor(tag: number): ProfileRow | undefined {
  const direct = byTag.get(tag >>> 0);
  if (direct) return direct;
  const group = tag >>> 16;
  const element = tag & 0xffff;
  if (group % 2 === 1) return patterns.get('private');
  if (group >= 0x5000 && group <= 0x501e && group % 2 === 0) return patterns.get('curve');
  if (group >= 0x6000 && group <= 0x601e && group % 2 === 0) {
    if (element === 0x3000) return patterns.get('overlay-data');
    if (element === 0x4000) return patterns.get('overlay-comments');
  }
  return undefined;
}

/** X/Z sequences that are Type 2 in the common image IODs, so Z (present, empty) is kept. */
const TYPE_2_SEQUENCES = new Set(['00400555']);

/**
 * Resolves a row to one action under the selected options.
 * - An option's column overrides the basic profile when that option is selected. When several
 *   selected options have a column for the row, a retaining one (K) wins over a cleaning one (C):
 *   the user asked to keep that information, and C is only applied when nothing keeps it.
 * - Compound actions pick the member that keeps the data set valid without keeping the value:
 *   X/Z → Z (present but empty satisfies Type 2), X/D, Z/D, X/Z/D → D (a dummy satisfies Type 1),
 *   X/Z/U* → U (references stay consistent); on a sequence X/Z → X.
 */
export function resolveAction(row: ProfileRow, options: ReadonlySet<DeidOption>, isSequence = false): ResolvedAction {
  let fromOptions: string | undefined;
  for (const [option, action] of optionColumns.get(row) ?? (Object.entries(row.options) as [TableOption, string][])) {
    if (!options.has(option)) continue;
    if (action === 'K' || fromOptions === undefined) fromOptions = action;
  }
  const chosen = fromOptions ?? row.basic;
  // An empty sequence is invalid where the sequence is optional (Type 3): remove it instead.
  if (isSequence && chosen === 'X/Z' && !TYPE_2_SEQUENCES.has(row.tag ?? '')) return 'X';
  return single(chosen);
}

function single(action: string): ResolvedAction {
  switch (action) {
    case 'D':
    case 'Z':
    case 'X':
    case 'K':
    case 'C':
    case 'U':
      return action;
    case 'X/Z':
      return 'Z';
    case 'X/D':
    case 'Z/D':
    case 'X/Z/D':
      return 'D';
    case 'X/Z/U*':
      return 'U';
    default:
      return 'X';
  }
}

export { profileRows };
