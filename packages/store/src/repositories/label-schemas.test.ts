import { DelineateError, labelSchemaTemplate, schemaFromTemplate, type ChecklistItem, type Label } from '@delineate/schema';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeStore } from '../test/describe-store';
import { fakeHash, seedProject, testChecklist, testLabels } from '../test/fixtures';
import { AnnotationRepository } from './annotations';
import { LabelSchemaRepository } from './label-schemas';
import { ReviewProtocolRepository } from './review-protocols';

const labels = testLabels as unknown as Label[];
const checklist = testChecklist as unknown as ChecklistItem[];

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => (e instanceof DelineateError ? e.code : String(e)),
  );
}

describeStore('label schemas and review protocols', (getDb) => {
  it('records the template and version a schema was created from, in every version it reads back', async () => {
    const repo = new LabelSchemaRepository(getDb().db);
    const created = await repo.create(schemaFromTemplate(labelSchemaTemplate('rt-head-neck', 1), 'H&N study'));
    expect(created.template).toEqual({ id: 'rt-head-neck', version: 1 });
    expect(created.labels.find((l) => l.key === 'ptv')?.rtRoiInterpretedType).toBe('PTV');
    const v2 = await repo.addVersion(created.id, created.labels.slice(0, 3));
    expect((await repo.get(created.id, v2.version)).template).toEqual({ id: 'rt-head-neck', version: 1 });
    expect((await repo.create({ name: 'Blank', labels })).template).toBeUndefined();
    const half = sql`insert into label_schemas (name, template_id) values ('x', 'rt-thorax')`.execute(getDb().db);
    await expect(half).rejects.toThrow();
  });


  it('creates versioned label schemas and appends versions', async () => {
    const repo = new LabelSchemaRepository(getDb().db);
    const v1 = await repo.create({ name: 'Liver', labels });
    expect(v1).toMatchObject({ name: 'Liver', version: 1, labels });
    const v2 = await repo.addVersion(v1.id, [...labels, { ...labels[0]!, key: 'lesion', value: 2, name: 'Lesion' }]);
    expect(v2.version).toBe(2);
    expect((await repo.get(v1.id)).version).toBe(2);
    expect((await repo.get(v1.id, 1)).labels).toHaveLength(1);
    expect((await repo.listVersions(v1.id)).map((v) => v.version)).toEqual([1, 2]);
    expect(await codeOf(repo.create({ name: 'Bad', labels: [{ ...labels[0]!, colour: 'red' }] }))).toBe('DLN_SCHEMA_INVALID');
    expect(await codeOf(repo.get('00000000-0000-4000-8000-000000000000'))).toBe('DLN_NOT_FOUND');
    expect(await codeOf(repo.updateVersion(v1.id, 3, labels))).toBe('DLN_NOT_FOUND');
    expect(await codeOf(repo.addVersion('00000000-0000-4000-8000-000000000000', labels))).toBe('DLN_NOT_FOUND');
  });

  it('freezes a label-schema version once a revision used it, in SQL as well as through the repository', async () => {
    const { db } = getDb();
    const seed = await seedProject(db);
    const schemas = new LabelSchemaRepository(db);
    const edited = [{ ...labels[0]!, definition: 'Edited before use.' }];
    expect((await schemas.updateVersion(seed.labelSchemaId, 1, edited)).labels[0]?.definition).toBe('Edited before use.');
    expect(await schemas.isInUse(seed.labelSchemaId, 1)).toBe(false);

    const annotations = new AnnotationRepository(db);
    const annotation = await annotations.create({ projectId: seed.projectId, itemId: seed.itemId, labelSchema: { id: seed.labelSchemaId, version: 1 } });
    // An annotation without revisions does not freeze the version yet.
    await schemas.updateVersion(seed.labelSchemaId, 1, labels);
    await annotations.saveRevision({
      annotationId: annotation.id,
      expectedVersion: 0,
      author: { kind: 'user', userId: seed.userId },
      source: 'human',
      maskHash: fakeHash(1),
      maskEncoding: 'rle',
    });
    expect(await schemas.isInUse(seed.labelSchemaId, 1)).toBe(true);
    expect(await codeOf(schemas.updateVersion(seed.labelSchemaId, 1, edited))).toBe('DLN_SCHEMA_IMMUTABLE');
    await expect(db.updateTable('label_schema_versions').set({ labels: '[]' }).where('schema_id', '=', seed.labelSchemaId).execute()).rejects.toThrow(
      /DLN_SCHEMA_IMMUTABLE/,
    );
    await expect(db.deleteFrom('label_schema_versions').where('schema_id', '=', seed.labelSchemaId).execute()).rejects.toThrow(/DLN_SCHEMA_IMMUTABLE/);
    expect((await schemas.get(seed.labelSchemaId, 1)).labels).toEqual(labels);
    // Changes make a new version instead.
    expect((await schemas.addVersion(seed.labelSchemaId, edited)).version).toBe(2);
    expect((await schemas.updateVersion(seed.labelSchemaId, 2, labels)).version).toBe(2);
  });

  it('freezes a review-protocol version once revisions exist under a project using it', async () => {
    const { db } = getDb();
    const seed = await seedProject(db);
    const protocols = new ReviewProtocolRepository(db);
    const edited = [{ ...checklist[0]!, question: 'Edited?' }];
    await protocols.updateVersion(seed.reviewProtocolId, 1, edited);
    expect(await protocols.isInUse(seed.reviewProtocolId, 1)).toBe(false);
    const annotations = new AnnotationRepository(db);
    const annotation = await annotations.create({ projectId: seed.projectId, itemId: seed.itemId, labelSchema: { id: seed.labelSchemaId, version: 1 } });
    await annotations.saveRevision({
      annotationId: annotation.id,
      expectedVersion: 0,
      author: { kind: 'user', userId: seed.userId },
      source: 'human',
      maskHash: fakeHash(1),
      maskEncoding: 'rle',
    });
    expect(await protocols.isInUse(seed.reviewProtocolId, 1)).toBe(true);
    expect(await codeOf(protocols.updateVersion(seed.reviewProtocolId, 1, checklist))).toBe('DLN_SCHEMA_IMMUTABLE');
    expect((await protocols.get(seed.reviewProtocolId, 1)).checklist).toEqual(edited);
    const v2 = await protocols.addVersion(seed.reviewProtocolId, checklist);
    expect(v2).toMatchObject({ version: 2, checklist });
    const created = await protocols.create({ name: 'Other', checklist });
    expect(created.version).toBe(1);
  });
});
