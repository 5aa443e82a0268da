import { DelineateError, type LabelSchema, type Project, type ReleaseDocumentInput, type ReviewProtocol, type WorkflowConfig } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../../blob/types';
import { LabelSchemaRepository } from '../../repositories/label-schemas';
import { ProjectRepository } from '../../repositories/projects';
import { ReviewProtocolRepository } from '../../repositories/review-protocols';
import type { DB } from '../../sql/tables';
import { readConfig } from '../../workflow/repository';

/** The records every document starts from: the project, its workflow, the pinned schema and protocol. */
export interface ReleaseRecords {
  readonly db: Kysely<DB>;
  readonly blobs: Pick<BlobStore, 'get'>;
  readonly input: ReleaseDocumentInput;
  readonly project: Project;
  readonly config: WorkflowConfig;
  readonly labelSchema: LabelSchema;
  readonly reviewProtocol: ReviewProtocol;
  /** Every annotation the release draws on (released revisions and consensus readers). */
  readonly annotationIds: readonly string[];
  readonly itemIds: readonly string[];
}

export async function loadReleaseRecords(db: Kysely<DB>, blobs: Pick<BlobStore, 'get'>, input: ReleaseDocumentInput): Promise<ReleaseRecords> {
  const project = await missingAs('The release’s project', () => new ProjectRepository(db).get(input.projectId));
  const labelSchema = await missingAs('The release’s label schema version', () => new LabelSchemaRepository(db).get(input.labelSchema.id, input.labelSchema.version));
  const reviewProtocol = await missingAs('The release’s review protocol version', () => new ReviewProtocolRepository(db).get(input.reviewProtocol.id, input.reviewProtocol.version));
  const config = await readConfig(db, input.projectId);
  const itemIds = input.items.map((i) => i.itemId);
  if (itemIds.length > 0) {
    const found = await db.selectFrom('items').select('id').where('id', 'in', itemIds).where('project_id', '=', input.projectId).execute();
    if (found.length !== itemIds.length) throw new DelineateError('DLN_DOCUMENT_RECORD_MISSING', 'The release names an item that is not in its project');
  }
  const annotationIds = [...new Set(input.items.flatMap((i) => [...i.revisions, ...(i.consensus?.readers ?? [])].map((r) => r.annotationId)))].sort();
  if (annotationIds.length > 0) {
    const found = await db.selectFrom('annotations').select(['id', 'item_id']).where('id', 'in', annotationIds).execute();
    const itemSet = new Set(itemIds);
    if (found.length !== annotationIds.length || found.some((a) => !itemSet.has(a.item_id))) {
      throw new DelineateError('DLN_DOCUMENT_RECORD_MISSING', 'The release names an annotation that is not one of its items’');
    }
  }
  return { db, blobs, input, project, config, labelSchema, reviewProtocol, annotationIds, itemIds };
}

/** A record the manifest names but the database lacks is a broken release, not a missing page. */
async function missingAs<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof DelineateError && error.code === 'DLN_NOT_FOUND') throw new DelineateError('DLN_DOCUMENT_RECORD_MISSING', `${what} is not in the records`);
    throw error;
  }
}

/** Display names of users (colleagues in the project, never patients), by id. */
export async function userNames(db: Kysely<DB>, ids: Iterable<string>): Promise<Map<string, string>> {
  const list = [...new Set(ids)];
  if (list.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', list).execute();
  return new Map(rows.map((u) => [u.id, u.display_name]));
}
