import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoProjectSettings, liverCtLabelSchema, liverCtReviewProtocol, modalities, type Modality } from '@delineate/schema';
import { BlobKey } from '../blob/key';
import { LocalBlobStore } from '../blob/local';
import { LabelSchemaRepository } from '../repositories/label-schemas';
import { ProjectRepository } from '../repositories/projects';
import { ReviewProtocolRepository } from '../repositories/review-protocols';
import type { Database, DatabaseKind } from '../sql/database';
import { createTestDatabase } from './databases';

/**
 * A project with the demo's settings, liver schema and review protocol: what ingest tests gate
 * files into. It accepts every modality by default, since gate tests feed it MR, ultrasound and
 * crafted files; the modality check has its own tests with a CT-only project.
 */
export async function createDemoProject(database: Database, name = 'gate', acceptedModalities: readonly Modality[] = modalities): Promise<string> {
  const labelSchema = await new LabelSchemaRepository(database.db).create(liverCtLabelSchema);
  const protocol = await new ReviewProtocolRepository(database.db).create(liverCtReviewProtocol);
  const project = await new ProjectRepository(database.db).create({
    ...demoProjectSettings,
    name: `${name}-${crypto.randomUUID()}`,
    acceptedModalities: [...acceptedModalities],
    labelSchema: { id: labelSchema.id, version: labelSchema.version },
    reviewProtocol: { id: protocol.id, version: protocol.version },
  });
  return project.id;
}

export interface GateBed {
  readonly database: Database;
  readonly blobs: LocalBlobStore;
  readonly dir: string;
  close(): Promise<void>;
}

/** A fresh test database and an encrypted blob folder, for tests of the ingest gate and its jobs. */
export async function openGateBed(kind: DatabaseKind): Promise<GateBed> {
  const dir = await mkdtemp(join(tmpdir(), 'dln-gate-'));
  const database = await createTestDatabase(kind);
  const blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
  return {
    database,
    blobs,
    dir,
    async close() {
      await blobs.close();
      await database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
