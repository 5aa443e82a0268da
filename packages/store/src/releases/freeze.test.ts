import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ReleaseManifestV2 } from '@delineate/schema';
import { blobAddress } from '../blob/address';
import { BlobKey } from '../blob/key';
import { LocalBlobStore } from '../blob/local';
import { ReleaseRepository } from '../repositories/releases';
import { describeStore } from '../test/describe-store';
import { seedProject } from '../test/fixtures';
import { freezeRelease, regenerateReleaseDocuments, releaseDocumentFile } from './freeze';

describeStore('freezing a release with its documents', (getDb) => {
  let dir: string;
  let blobs: LocalBlobStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-freeze-'));
    blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
  });
  afterAll(async () => {
    await blobs.close();
    await rm(dir, { recursive: true, force: true });
  });

  const manifestOf = (seed: Awaited<ReturnType<typeof seedProject>>, schemaVersion = 1): ReleaseManifestV2 => ({
    format: 2, projectId: seed.projectId, labelSchema: { id: seed.labelSchemaId, version: schemaVersion }, reviewProtocol: { id: seed.reviewProtocolId, version: 1 },
    labels: [], filter: {}, consensusMethod: 'staple', items: [], excluded: [],
  });

  it('generates the four documents in three formats, stores them and records their hashes with the freeze time', async () => {
    const { db } = getDb();
    const seed = await seedProject(db);
    const draft = await new ReleaseRepository(db).createDraft({ projectId: seed.projectId, name: 'empty', manifest: manifestOf(seed) });
    const at = new Date(Date.UTC(2026, 2, 1, 9, 30, 0));
    const frozen = await freezeRelease(db, blobs, draft.id, () => at);
    expect([frozen.status, frozen.frozenAt]).toEqual(['frozen', at.toISOString()]);
    expect(frozen.documents).toHaveLength(12);
    for (const d of frozen.documents) expect(blobAddress(await blobs.get(d.hash)), d.kind).toBe(d.hash);
    const again = await regenerateReleaseDocuments(db, blobs, draft.id);
    expect(again.documents.flatMap((d) => Object.values(d.files).map((f) => ({ kind: `${d.kind}.${f.format}`, hash: f.sha256 }))).sort((a, b) => a.kind.localeCompare(b.kind))).toEqual(
      [...frozen.documents].sort((a, b) => a.kind.localeCompare(b.kind)),
    );
    const html = await releaseDocumentFile(db, blobs, draft.id, 'qa_results', 'html');
    expect(new TextDecoder().decode(html.bytes)).toContain('<h1>QA results</h1>');
    await expect(releaseDocumentFile(db, blobs, draft.id, 'qa_results', 'docx')).rejects.toMatchObject({ code: 'DLN_DOCUMENT_FORMAT_UNKNOWN' });
    await expect(releaseDocumentFile(db, blobs, draft.id, 'minutes', 'pdf')).rejects.toMatchObject({ code: 'DLN_DOCUMENT_KIND_UNKNOWN' });
    await expect(freezeRelease(db, blobs, draft.id)).rejects.toMatchObject({ code: 'DLN_RELEASE_FROZEN' });
  });

  it('leaves the draft as it was when a document cannot be generated', async () => {
    const { db } = getDb();
    const seed = await seedProject(db);
    const releases = new ReleaseRepository(db);
    const draft = await releases.createDraft({ projectId: seed.projectId, name: 'broken', manifest: manifestOf(seed, 99) });
    await expect(freezeRelease(db, blobs, draft.id)).rejects.toMatchObject({ code: 'DLN_DOCUMENT_RECORD_MISSING' });
    expect(await releases.get(draft.id)).toMatchObject({ status: 'draft', manifestHash: null, frozenAt: null, documents: [] });
  });
});
