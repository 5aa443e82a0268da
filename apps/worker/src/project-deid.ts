import { randomBytes } from 'node:crypto';
import { DerivedPseudonymMap, parseDeidOptions, type DeidOption, type PseudonymMap } from '@delineate/deid';
import { DelineateError, type Modality } from '@delineate/schema';
import { ProjectRepository, type BlobStore, type Clock, type Database } from '@delineate/store';

export interface ProjectDeidSettings {
  secret: Uint8Array;
  options: ReadonlySet<DeidOption>;
  pseudonyms: PseudonymMap;
  /** The modalities the project's ingest accepts (its own and those it lists). */
  acceptedModalities: readonly Modality[];
}

interface Deps {
  database: Database;
  blobs: BlobStore;
  clock: Clock;
}

/**
 * Creates the project's de-identification secret (keys UID remapping, date offsets and
 * pseudonyms), kept as an encrypted blob; the table holds only its address.
 */
export async function createProjectSecret(deps: Deps, projectId: string): Promise<Uint8Array> {
  const secret = new Uint8Array(randomBytes(32));
  const { hash } = await deps.blobs.put(secret);
  await deps.database.db.insertInto('project_deid_secrets').values({ project_id: projectId, secret_blob_hash: hash, created_at: deps.clock() }).execute();
  return secret;
}

/** The secret, options and pseudonym map the project's files are de-identified with, and the modalities it accepts. */
export async function projectDeidSettings(deps: Deps, projectId: string): Promise<ProjectDeidSettings> {
  const project = await new ProjectRepository(deps.database.db).get(projectId);
  const row = await deps.database.db.selectFrom('project_deid_secrets').select('secret_blob_hash').where('project_id', '=', projectId).executeTakeFirst();
  const secret = row ? await deps.blobs.get(row.secret_blob_hash) : await createProjectSecret(deps, projectId);
  const parsed = parseDeidOptions(project.deid.options.join(','));
  if (parsed.unknown.length) throw new DelineateError('DLN_CONFIG_INVALID', 'The project names de-identification options this version does not know');
  return { secret, options: new Set(parsed.options), pseudonyms: new DerivedPseudonymMap(secret), acceptedModalities: project.acceptedModalities };
}
