import type { DeidOption } from './options';

/** A basic-profile or option action of Table E.1-1, compound actions included ("X/Z/D"). */
export type ProfileAction = 'D' | 'Z' | 'X' | 'K' | 'C' | 'U' | 'Z/D' | 'X/Z' | 'X/D' | 'X/Z/D' | 'X/Z/U*';

/** Option columns that have their own column in Table E.1-1. */
export type TableOption = Exclude<DeidOption, 'clean-pixel-data' | 'clean-recognizable-visual-features'>;

export type ProfilePattern = 'curve' | 'overlay-data' | 'overlay-comments' | 'private';

export interface ProfileRow {
  /** 8 lower-case hex digits; absent for pattern rows. */
  readonly tag?: string;
  readonly pattern?: ProfilePattern;
  readonly name: string;
  readonly keyword: string;
  readonly vr: string;
  readonly basic: string;
  readonly options: Readonly<Partial<Record<TableOption, string>>>;
}
