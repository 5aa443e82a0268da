import { DelineateError, isManifestV2, ReleaseDocumentFormat, ReleaseDocumentKind, type Release, type ReleaseDocumentInput, type ReleaseManifestV2 } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../blob/types';
import type { Clock } from '../repositories/annotations';
import { releaseManifestHash, ReleaseRepository } from '../repositories/releases';
import type { DB } from '../sql/tables';
import { withTransaction } from '../sql/transaction';
import { generateReleaseDocuments, releaseDocumentHashes, type GeneratedReleaseDocument } from './documents/generate';

/** What the document generator reads of a format-2 manifest: the items' provenance, hashes and splits. */
export function documentInputOf(release: Pick<Release, 'id' | 'projectId' | 'name'>, manifest: ReleaseManifestV2, manifestHash: string, frozenAt: Date): ReleaseDocumentInput {
  return {
    releaseId: release.id,
    projectId: release.projectId,
    name: release.name,
    manifestHash,
    frozenAt,
    labelSchema: manifest.labelSchema,
    reviewProtocol: manifest.reviewProtocol,
    items: manifest.items.map((item) => {
      const maskOf = new Map(item.readings.flatMap((r) => r.revisions.map((v) => [`${r.annotationId}@${v.version}`, v.maskHash] as const)));
      return {
        itemId: item.itemId,
        subjectPseudonym: item.subjectPseudonym,
        split: item.split,
        modality: item.modality,
        deidRecordIds: [...new Set([...item.instances.flatMap((i) => (i.deidRecordId ? [i.deidRecordId] : [])), ...(item.video?.deidRecordId ? [item.video.deidRecordId] : [])])],
        revisions: item.revisions.map((r) => {
          const maskHash = maskOf.get(`${r.annotationId}@${r.version}`);
          if (!maskHash) throw new DelineateError('DLN_DOCUMENT_INPUT_INVALID', 'The manifest names a released revision without its mask hash');
          return { ...r, maskHash };
        }),
        consensus: item.consensus ? { method: item.consensus.method, readers: item.consensus.inputs } : null,
        ...(item.video ? { videoTracks: item.video.tracks } : {}),
      };
    }),
    excluded: manifest.excluded.map((e) => ({ itemId: e.itemId, reason: e.reason })),
  };
}

/**
 * Freezes a draft and generates its four documents (HTML, PDF, JSON) in one step: the documents
 * are rendered first, with the freeze time they will carry, so a failure leaves the draft as it
 * was; then the freeze and the document hashes are written in one transaction.
 */
export async function freezeRelease(db: Kysely<DB>, blobs: BlobStore, releaseId: string, clock: Clock = () => new Date()): Promise<Release> {
  const draft = await new ReleaseRepository(db).get(releaseId);
  if (draft.status === 'frozen') throw new DelineateError('DLN_RELEASE_FROZEN', 'The release is already frozen');
  const frozenAt = clock();
  let documents: GeneratedReleaseDocument[] = [];
  if (isManifestV2(draft.manifest)) {
    documents = await generateReleaseDocuments(db, documentInputOf(draft, draft.manifest, releaseManifestHash(draft.manifest), frozenAt), { blobs });
    // Blobs are content-addressed: stored before the freeze, an abandoned attempt leaves only unreferenced bytes.
    for (const d of documents) for (const file of Object.values(d.files)) await blobs.put(file.bytes);
  }
  return withTransaction(db, async (tx) => {
    const releases = new ReleaseRepository(tx, { clock: () => frozenAt });
    let frozen = await releases.freeze(releaseId);
    for (const doc of releaseDocumentHashes(documents)) frozen = await releases.addDocument(releaseId, doc);
    return frozen;
  });
}

/** The documents of a frozen release generated again from its records, with the freeze time it recorded. */
export async function regenerateReleaseDocuments(db: Kysely<DB>, blobs: Pick<BlobStore, 'get'>, releaseId: string): Promise<{ release: Release; documents: GeneratedReleaseDocument[] }> {
  const release = await new ReleaseRepository(db).get(releaseId);
  if (release.status !== 'frozen') throw new DelineateError('DLN_RELEASE_NOT_FROZEN', 'Documents are generated from frozen releases only');
  if (!isManifestV2(release.manifest)) return { release, documents: [] };
  const input = documentInputOf(release, release.manifest, release.manifestHash!, new Date(release.frozenAt!));
  return { release, documents: await generateReleaseDocuments(db, input, { blobs }) };
}

/** One recorded document of a frozen release (`qa_results`, `pdf`), read from the blob store by its recorded hash. */
export async function releaseDocumentFile(db: Kysely<DB>, blobs: Pick<BlobStore, 'get'>, releaseId: string, kind: string, format: string): Promise<{ release: Release; bytes: Uint8Array; format: ReleaseDocumentFormat }> {
  const release = await new ReleaseRepository(db).get(releaseId);
  const parsedKind = ReleaseDocumentKind.safeParse(kind);
  const parsedFormat = ReleaseDocumentFormat.safeParse(format);
  if (!parsedKind.success) throw new DelineateError('DLN_DOCUMENT_KIND_UNKNOWN', 'Unknown release document kind');
  if (!parsedFormat.success) throw new DelineateError('DLN_DOCUMENT_FORMAT_UNKNOWN', 'Unknown release document format');
  const recorded = release.documents.find((d) => d.kind === `${parsedKind.data}.${parsedFormat.data}`);
  if (!recorded) throw new DelineateError('DLN_NOT_FOUND', 'The release has no such document');
  return { release, bytes: await blobs.get(recorded.hash), format: parsedFormat.data };
}
