import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeStore } from '../test/describe-store';
import { fakeHash, seedProject } from '../test/fixtures';
import { AnnotationRepository } from './annotations';
import { ModelRepository } from './models';
import { ReleaseRepository, releaseManifestHash } from './releases';

describeStore('releases and models', (getDb) => {
  async function setup() {
    const { db } = getDb();
    const seed = await seedProject(db);
    const annotations = new AnnotationRepository(db);
    const annotation = await annotations.create({ projectId: seed.projectId, itemId: seed.itemId, labelSchema: { id: seed.labelSchemaId, version: 1 } });
    await annotations.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author: { kind: 'user', userId: seed.userId }, source: 'human', maskHash: fakeHash(1), maskEncoding: 'rle' });
    const manifest = {
      labelSchema: { id: seed.labelSchemaId, version: 1 },
      reviewProtocol: { id: seed.reviewProtocolId, version: 1 },
      items: [{ itemId: seed.itemId, revisions: [{ annotationId: annotation.id, version: 1 }] }],
    };
    return { db, seed, annotation, manifest, releases: new ReleaseRepository(db) };
  }

  it('freezes a release with the hash of its canonical manifest, then only appends documents', async () => {
    const { db, seed, manifest, releases } = await setup();
    const draft = await releases.createDraft({ projectId: seed.projectId, name: 'v1', manifest });
    expect(draft).toMatchObject({ status: 'draft', manifestHash: null, frozenAt: null, documents: [] });
    await expect(releases.addDocument(draft.id, { kind: 'protocol', hash: fakeHash(5) })).rejects.toMatchObject({ code: 'DLN_CONFLICT' });
    const frozen = await releases.freeze(draft.id);
    expect(frozen.status).toBe('frozen');
    // Key order does not change the hash.
    const reordered = { items: manifest.items, reviewProtocol: manifest.reviewProtocol, labelSchema: manifest.labelSchema };
    expect(frozen.manifestHash).toBe(releaseManifestHash(reordered));
    expect(frozen.manifestHash).toMatch(/^[0-9a-f]{64}$/);
    await expect(releases.freeze(draft.id)).rejects.toMatchObject({ code: 'DLN_RELEASE_FROZEN' });
    const withDoc = await releases.addDocument(draft.id, { kind: 'protocol', hash: fakeHash(5) });
    expect(withDoc.documents).toEqual([{ kind: 'protocol', hash: fakeHash(5) }]);
    await expect(db.updateTable('releases').set({ manifest: '{}' }).where('id', '=', draft.id).execute()).rejects.toThrow(/DLN_RELEASE_FROZEN/);
    await expect(db.updateTable('releases').set({ documents: '[]' }).where('id', '=', draft.id).execute()).rejects.toThrow(/DLN_RELEASE_FROZEN/);
    await expect(db.deleteFrom('releases').where('id', '=', draft.id).execute()).rejects.toThrow(/DLN_RELEASE_FROZEN/);
    await expect(sql`update releases set status = 'draft'`.execute(db)).rejects.toThrow(/DLN_RELEASE_FROZEN/);
    expect(await releases.listForProject(seed.projectId)).toEqual([withDoc]);
  });

  it('refuses to freeze a manifest naming a missing revision', async () => {
    const { seed, annotation, manifest, releases } = await setup();
    const bad = { ...manifest, items: [{ itemId: seed.itemId, revisions: [{ annotationId: annotation.id, version: 2 }] }] };
    const draft = await releases.createDraft({ projectId: seed.projectId, name: 'bad', manifest: bad });
    await expect(releases.freeze(draft.id)).rejects.toMatchObject({ code: 'DLN_REQUEST_INVALID' });
    expect((await releases.get(draft.id)).status).toBe('draft');
  });

  it('registers models once per name and version', async () => {
    const models = new ModelRepository(getDb().db);
    const model = await models.register({ name: 'liver-net', version: '1.0.0', labelKeys: ['liver'], runtime: 'onnx', region: 'eu' });
    expect(await models.find('liver-net', '1.0.0')).toEqual(model);
    expect(await models.get(model.id)).toEqual(model);
    await expect(models.register({ name: 'liver-net', version: '1.0.0', labelKeys: ['liver'], runtime: 'onnx', region: 'eu' })).rejects.toMatchObject({
      code: 'DLN_CONFLICT',
    });
    await expect(models.register({ name: 'x', version: '1', labelKeys: [], runtime: 'onnx', region: 'eu' })).rejects.toMatchObject({ code: 'DLN_REQUEST_INVALID' });
    expect((await models.list()).map((m) => m.name)).toEqual(['liver-net']);
  });
});
