import type { NewRevision } from '@delineate/schema';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, RevisionsTable } from '../sql/tables';
import { StatementGroups } from '../sql/statement-groups';
import { annotationWriteFactsSql, type AnnotationWriteFacts } from '../workflow/access';

/** One save's compare-and-set: append `revision` if the head is its parent and the write facts are those checked. */
export interface RevisionCommit {
  readonly revision: NewRevision;
  readonly tileIndex: { readonly bytes: Uint8Array; readonly hash: string; readonly base: number | null } | undefined;
  readonly writeFacts: AnnotationWriteFacts;
}

/** The appended row, with whether derived structures were attached when it committed; undefined when the compare-and-set missed. */
export type CommittedRevision = Selectable<RevisionsTable> & { readonly derived_structures_active: boolean };

/** Saves per statement at most: bounds the statement's parameter and the work one failure repeats. */
const MAX_GROUP = 64;

/**
 * Group commit of revision saves (`StatementGroups`). PGlite is one connection, so with many
 * writers each save's commit waits behind the others' statements; here the saves that reach
 * their commit while a group is being written are committed together by the next statement.
 * Each save is still its own compare-and-set on its own annotation (one per annotation in a
 * group, in arrival order), so one that misses gets its own answer and the others commit: the
 * statement appends exactly the rows whose head and write facts were as checked. A statement
 * refused as a whole (a unique key, a deadlock between servers) is retried save by save. The
 * statement is atomic: after a crash a group is all present or all absent, and none of its saves
 * was acknowledged before it committed.
 */
export class RevisionCommitQueue {
  readonly #now: () => Date;
  readonly #groups: StatementGroups<DB, RevisionCommit, CommittedRevision | undefined>;

  constructor(db: Kysely<DB>, now: () => Date) {
    this.#now = now;
    this.#groups = new StatementGroups(db, (connection, commits) => this.#write(connection, commits), {
      maxGroup: MAX_GROUP,
      keyOf: (c) => c.revision.annotationId,
    });
  }

  /** Commits one save, grouped with the saves waiting beside it; undefined when its compare-and-set missed. */
  commit(commit: RevisionCommit): Promise<CommittedRevision | undefined> {
    return this.#groups.submit(commit);
  }

  /** One statement for the group; the result lists each save's row (or undefined) in the group's order. */
  async #write(db: Kysely<DB>, commits: readonly RevisionCommit[]): Promise<(CommittedRevision | undefined)[]> {
    const now = this.#now();
    const input = commits.map((c, ordinal) => ({
      ordinal,
      annotation_id: c.revision.annotationId,
      expected: c.revision.expectedVersion,
      writer: c.revision.author.kind === 'user' ? c.revision.author.userId : null,
      facts: c.writeFacts,
      model_name: c.revision.author.kind === 'model' ? c.revision.author.name : null,
      model_version: c.revision.author.kind === 'model' ? c.revision.author.version : null,
      source: c.revision.source,
      mask_hash: c.revision.maskHash,
      mask_encoding: c.revision.maskEncoding,
      idempotency_key: c.revision.idempotencyKey ?? null,
      created_at: now.toISOString(),
      // bytea travels in the jsonb as base64 and is decoded by the statement.
      tile_index: c.tileIndex ? Buffer.from(c.tileIndex.bytes.buffer, c.tileIndex.bytes.byteOffset, c.tileIndex.bytes.byteLength).toString('base64') : null,
      tile_index_hash: c.tileIndex?.hash ?? null,
      tile_index_base: c.tileIndex?.base ?? null,
    }));
    // One statement text whatever the group's size: it is prepared once.
    const result = await sql<CommittedRevision & { ordinal: number }>`
      with input as (
        select * from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as i(
          ordinal integer, annotation_id uuid, expected integer, writer uuid, facts jsonb, model_name text,
          model_version text, source text, mask_hash text, mask_encoding text, idempotency_key text,
          created_at timestamptz, tile_index text, tile_index_hash text, tile_index_base integer)
      ), moved as (
        update annotations as a set head_version = i.expected + 1, created_by = coalesce(a.created_by, i.writer)
        from input as i
        where a.id = i.annotation_id and a.head_version = i.expected and ${annotationWriteFactsSql('a', sql<string | null>`i.writer`)} = i.facts
        returning i.*
      ), inserted as (
        insert into revisions (annotation_id, version, parent_version, author_user_id, author_model_name, author_model_version,
          source, mask_hash, mask_encoding, idempotency_key, created_at, tile_index, tile_index_hash, tile_index_base)
        select m.annotation_id, m.expected + 1, nullif(m.expected, 0), m.writer, m.model_name, m.model_version,
          m.source, m.mask_hash, m.mask_encoding, m.idempotency_key, m.created_at, decode(m.tile_index, 'base64'), m.tile_index_hash, m.tile_index_base
        from moved as m
        returning *
      )
      select r.*, m.ordinal,
        exists (select 1 from derived_structures d where d.annotation_id = r.annotation_id and d.detached_version is null) as derived_structures_active
      from inserted as r join moved as m on m.annotation_id = r.annotation_id`.execute(db);
    const rows: (CommittedRevision | undefined)[] = commits.map(() => undefined);
    for (const { ordinal, ...row } of result.rows) rows[ordinal] = row;
    return rows;
  }
}
