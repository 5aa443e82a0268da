import { DelineateError, isDelineateError, isManifestV2, type Release, type ReleaseVerification } from '@delineate/schema';
import type { Kysely } from 'kysely';
import { blobAddress } from '../blob/address';
import type { BlobStore } from '../blob/types';
import { AnnotationRepository } from '../repositories/annotations';
import { releaseManifestHash, ReleaseRepository } from '../repositories/releases';
import type { DB } from '../sql/tables';

type Problem = ReleaseVerification['problems'][number];

/**
 * Re-hashes everything a frozen release names against its manifest: the manifest itself
 * against the recorded hash, every released mask and soft label blob, every revision of every
 * reading (a tiled one by its index and every tile's hash), and every document. Reports what differs, by what
 * it is and its hash (never its content).
 */
export async function verifyRelease(db: Kysely<DB>, blobs: BlobStore, releaseId: string): Promise<ReleaseVerification> {
  const release = await new ReleaseRepository(db).get(releaseId);
  if (release.status !== 'frozen') throw new DelineateError('DLN_RELEASE_NOT_FROZEN', 'Only a frozen release can be verified');
  const problems: Problem[] = [];
  let checked = 1;
  if (releaseManifestHash(release.manifest) !== release.manifestHash) problems.push({ what: 'manifest', hash: release.manifestHash ?? '', problem: 'manifest_changed' });
  const annotations = new AnnotationRepository(db, { blobs });
  const checkHash = async (what: string, hash: string, recompute: () => Promise<string>) => {
    checked++;
    try {
      if ((await recompute()) !== hash) problems.push({ what, hash, problem: 'differs' });
    } catch (error) {
      const missing = isDelineateError(error) && (error.code === 'DLN_BLOB_NOT_FOUND' || error.code === 'DLN_NOT_FOUND');
      problems.push({ what, hash, problem: missing ? 'missing' : 'differs' });
    }
  };
  const check = async (what: string, hash: string, read: () => Promise<Uint8Array>) => checkHash(what, hash, async () => blobAddress(await read()));
  for (const item of manifestItems(release)) {
    await check(`item ${item.itemId} released mask`, item.maskHash, () => blobs.get(item.maskHash));
    for (const reading of item.readings) {
      for (const r of reading.revisions) {
        await checkHash(`item ${item.itemId} revision ${reading.annotationId}@${r.version}`, r.maskHash, () => annotations.recomputeMaskHash(reading.annotationId, r.version));
      }
    }
    for (const l of item.consensus?.labels ?? []) {
      await check(`item ${item.itemId} reader votes ${l.labelKey}`, l.votesHash, () => blobs.get(l.votesHash));
      await check(`item ${item.itemId} STAPLE probability ${l.labelKey}`, l.stapleHash, () => blobs.get(l.stapleHash));
    }
  }
  for (const d of release.documents) await check(`document ${d.kind}`, d.hash, () => blobs.get(d.hash));
  return { releaseId, manifestHash: release.manifestHash, ok: problems.length === 0, checked, problems };
}

function manifestItems(release: Release) {
  return isManifestV2(release.manifest) ? release.manifest.items : [];
}
