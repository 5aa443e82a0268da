import type { Database } from '@delineate/store';
import { describeStore, seedProjectRow, testLabels } from '@delineate/store/test';
import type { Modality } from '@delineate/schema';
import { PasswordHasher } from '../password';

/** A clock tests move by hand. */
export class FakeClock {
  constructor(private ms = Date.parse('2026-05-01T09:00:00.000Z')) {}
  now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Cheap argon2 for tests only (the default stays 46 MiB). */
export const testHasher = new PasswordHasher({ testOnlyParams: { memoryKiB: 256, timeCost: 1, parallelism: 1 } });

/**
 * Runs `body` once per database kind on a fresh migrated database: the store's own harness
 * (PGlite always, PostgreSQL with DELINEATE_TEST_DATABASE_URL; under CI a missing kind fails).
 */
export const describeWithDatabase = describeStore;

/** A project row with its label schema and protocol, written directly (one liver label, no checklist). */
export async function seedProject(db: Database['db'], options: { name?: string; modality?: Modality; region?: string } = {}): Promise<string> {
  const labels = [{ ...testLabels[0]!, inclusion: [], exclusion: [] }];
  return (await seedProjectRow(db, { ...options, labels, checklist: [] })).projectId;
}
