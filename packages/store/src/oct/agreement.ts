import { boundaryAgreement, consensusBoundarySet, octMeasures, type BoundaryAgreement } from '@delineate/core';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../blob/types';
import type { DB } from '../sql/tables';
import { geometryOf, OctRepository } from './boundaries';
import { octDb } from './tables';

/** Agreement of one reader pair on one OCT item: per boundary, in µm, with the revisions compared. */
export interface OctReaderPair {
  a: { annotationId: string; version: number };
  b: { annotationId: string; version: number };
  boundaries: BoundaryAgreement[];
}

export interface OctItemAgreement {
  itemId: string;
  readers: number;
  pairs: OctReaderPair[];
  /** The per-A-scan median consensus's central subfield (retina, µm), when two or more readers saved. */
  consensusCentralSubfieldUm: number | null;
  conventions: { error: 'reader A minus reader B, µm, over A-scans both gave a value'; percentile: 'linear interpolation (numpy default)'; consensus: 'per-A-scan median; absent on a strict majority of absent' };
}

const conventions: OctItemAgreement['conventions'] = {
  error: 'reader A minus reader B, µm, over A-scans both gave a value',
  percentile: 'linear interpolation (numpy default)',
  consensus: 'per-A-scan median; absent on a strict majority of absent',
};

const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);

/**
 * Boundary agreement of every OCT item of a project with two or more readers' saved boundaries:
 * each pair of annotation heads (in creation order) compared per boundary in µm.
 */
export async function octAgreementOfProject(db: Kysely<DB>, blobs: Pick<BlobStore, 'get' | 'put'>, projectId: string): Promise<OctItemAgreement[]> {
  const repo = new OctRepository(db, blobs, () => new Date());
  const items = await octDb(db)
    .selectFrom('items')
    .innerJoin('oct_volumes', 'oct_volumes.series_id', 'items.series_id')
    .select('items.id')
    .where('items.project_id', '=', projectId)
    .orderBy('items.created_at')
    .orderBy('items.id')
    .execute();
  const out: OctItemAgreement[] = [];
  for (const { id } of items) {
    const heads = await repo.headsOfItem(id);
    if (heads.length < 2) continue;
    const volume = await repo.volumeOfItem(id);
    const pairs: OctReaderPair[] = [];
    for (let i = 0; i < heads.length; i++) {
      for (let j = i + 1; j < heads.length; j++) {
        const a = heads[i]!;
        const b = heads[j]!;
        pairs.push({
          a: { annotationId: a.annotationId, version: a.revision.version },
          b: { annotationId: b.annotationId, version: b.revision.version },
          boundaries: boundaryAgreement(a.set, b.set, volume.axialUmPerPixel).map((r) => ({
            ...r,
            meanAbsoluteErrorUm: finite(r.meanAbsoluteErrorUm) as number,
            meanSignedErrorUm: finite(r.meanSignedErrorUm) as number,
            p95AbsoluteErrorUm: finite(r.p95AbsoluteErrorUm) as number,
            absentDisagreement: finite(r.absentDisagreement) as number,
          })),
        });
      }
    }
    const consensus = octMeasures(consensusBoundarySet(heads.map((h) => h.set)), geometryOf(volume), volume.fovea ?? undefined);
    out.push({ itemId: id, readers: heads.length, pairs, consensusCentralSubfieldUm: finite(consensus.retina.centralSubfieldUm), conventions });
  }
  return out;
}
