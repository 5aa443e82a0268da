import type { Kysely } from 'kysely';
import type { BlobStore } from '../blob/types';
import type { DB } from '../sql/tables';

/**
 * A quarantined file as a steward finds it (its source kept, its record quarantined), without
 * the gate: for tests of what redaction does with a source the gate of today would refuse at
 * ingest, such as a decompression bomb kept by an earlier version.
 */
export async function keepQuarantinedSource(db: Kysely<DB>, blobs: BlobStore, projectId: string, source: Uint8Array, findings: readonly unknown[]): Promise<string> {
  const { hash } = await blobs.put(source);
  const row = await db
    .insertInto('deid_records')
    .values({
      project_id: projectId,
      source_hash: hash,
      output_hash: null,
      profile: 'basic',
      options: JSON.stringify([]),
      actions: JSON.stringify([]),
      pixel_regions: JSON.stringify([]),
      findings: JSON.stringify(findings),
      status: 'quarantined',
      created_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
