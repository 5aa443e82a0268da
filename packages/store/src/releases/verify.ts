import { DelineateError, isDelineateError, isManifestV2, type Release, type ReleaseVerification } from '@delineate/schema';
import type { Kysely } from 'kysely';
import { blobAddress } from '../blob/address';
import type { BlobStore } from '../blob/types';
import { AnnotationRepository } from '../repositories/annotations';
import { releaseManifestHash, ReleaseRepository } from '../repositories/releases';
import type { DB } from '../sql/tables';
import { videoDb } from '../video/tables';
import { videoFrameTable } from '../video/videos';
import { frameTableHash } from './video-selection';

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
    if (item.video) {
      const video = item.video;
      await checkHash(`item ${item.itemId} frame table`, video.frameTableHash, async () => frameTableHash(await videoFrameTable(db, video.videoId)));
      for (const t of video.tracks) {
        if (!t.maskIndexHash) continue;
        const indexHash = t.maskIndexHash;
        // The version row must still name the index, and the index blob must still hash to it.
        await checkHash(`item ${item.itemId} track ${t.trackId}@${t.version}`, indexHash, async () => {
          const row = await videoDb(db).selectFrom('video_track_versions').select('mask_index_hash').where('track_id', '=', t.trackId).where('version', '=', t.version).executeTakeFirst();
          return row?.mask_index_hash === indexHash ? blobAddress(await blobs.get(indexHash)) : (row?.mask_index_hash ?? 'missing');
        });
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
