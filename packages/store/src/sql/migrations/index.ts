import type { Migration } from '../migration';
import { foundation } from './0001_foundation';

/**
 * Every migration, in order. To add one, write `NNNN_name.ts` exporting a {@link Migration}
 * and append it here: one import and one line.
 */
export const migrations: readonly Migration[] = [
  foundation,
];
