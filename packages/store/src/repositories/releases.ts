import { createHash } from 'node:crypto';
import { DelineateError, parseOrThrow, ReleaseDocument, ReleaseManifest, type Release, type ReleaseStatus } from '@delineate/schema';
import { sql, type Kysely, type Selectable } from 'kysely';
import { canonicalJson } from '../audit/canonical-json';
import type { DB, ReleasesTable } from '../sql/tables';
import { withTransaction } from '../sql/transaction';
import type { Clock } from './annotations';
import { translated } from './db-errors';

export interface CreateReleaseInput {
  projectId: string;
  name: string;
  manifest: ReleaseManifest;
}

/** SHA-256 of the canonical JSON of a manifest: the same manifest always gives the same hash. */
export function releaseManifestHash(manifest: ReleaseManifest): string {
  return createHash('sha256').update(canonicalJson(manifest)).digest('hex');
}

/**
 * Releases: a draft manifest that is frozen once, with its hash. A frozen release never
 * changes (a trigger refuses it with DLN_RELEASE_FROZEN) except that documents generated
 * from it are appended.
 */
export class ReleaseRepository {
  readonly #db: Kysely<DB>;
  readonly #clock: Clock;

  constructor(db: Kysely<DB>, options: { clock?: Clock } = {}) {
    this.#db = db;
    this.#clock = options.clock ?? (() => new Date());
  }

  async createDraft(input: CreateReleaseInput): Promise<Release> {
    const manifest = parseOrThrow(ReleaseManifest, input.manifest);
    const row = await translated(() =>
      this.#db
        .insertInto('releases')
        .values({
          project_id: input.projectId,
          name: input.name,
          status: 'draft',
          manifest: JSON.stringify(manifest),
          created_at: this.#clock(),
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toRelease(row);
  }

  /** Freezes a draft after checking that every revision it names exists. */
  async freeze(id: string): Promise<Release> {
    return translated(() =>
      withTransaction(this.#db, async (tx) => {
        const row = await tx.selectFrom('releases').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
        if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Release not found');
        if (row.status === 'frozen') throw new DelineateError('DLN_RELEASE_FROZEN', 'The release is already frozen');
        const manifest = ReleaseManifest.parse(row.manifest);
        const refs = manifest.items.flatMap((i) => i.revisions);
        if (refs.length > 0) {
          const found = await sql<{ n: number }>`
            select count(*)::integer as n from revisions r
              join jsonb_to_recordset(${JSON.stringify(refs)}::jsonb) as m("annotationId" uuid, version integer)
                on r.annotation_id = m."annotationId" and r.version = m.version`.execute(tx);
          if ((found.rows[0]?.n ?? 0) !== new Set(refs.map((r) => `${r.annotationId}/${r.version}`)).size) {
            throw new DelineateError('DLN_REQUEST_INVALID', 'The manifest names a revision that does not exist');
          }
        }
        const frozen = await tx
          .updateTable('releases')
          .set({ status: 'frozen', manifest_hash: releaseManifestHash(manifest), frozen_at: this.#clock() })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return toRelease(frozen);
      }),
    );
  }

  /** Appends a document generated from a frozen release. */
  async addDocument(id: string, document: ReleaseDocument): Promise<Release> {
    const doc = parseOrThrow(ReleaseDocument, document);
    const row = await translated(() =>
      this.#db
        .updateTable('releases')
        .set({ documents: sql`documents || ${JSON.stringify([doc])}::jsonb` as never })
        .where('id', '=', id)
        .where('status', '=', 'frozen')
        .returningAll()
        .executeTakeFirst(),
    );
    if (!row) {
      await this.get(id);
      throw new DelineateError('DLN_CONFLICT', 'Documents are generated from frozen releases only');
    }
    return toRelease(row);
  }

  async get(id: string): Promise<Release> {
    const row = await translated(() => this.#db.selectFrom('releases').selectAll().where('id', '=', id).executeTakeFirst());
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Release not found');
    return toRelease(row);
  }

  async listForProject(projectId: string): Promise<Release[]> {
    const rows = await translated(() =>
      this.#db.selectFrom('releases').selectAll().where('project_id', '=', projectId).orderBy('created_at').orderBy('id').execute(),
    );
    return rows.map(toRelease);
  }
}

function toRelease(row: Selectable<ReleasesTable>): Release {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    status: row.status as ReleaseStatus,
    manifest: ReleaseManifest.parse(row.manifest),
    manifestHash: row.manifest_hash,
    documents: row.documents.map((d) => ReleaseDocument.parse(d)),
    createdAt: row.created_at.toISOString(),
    frozenAt: row.frozen_at?.toISOString() ?? null,
  };
}
