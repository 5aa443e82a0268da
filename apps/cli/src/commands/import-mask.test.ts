import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declaredSegmentation, readSharedSegmentation, requireTestData } from '@delineate/testkit';
import { demoProjectSettings, liverCtLabelSchema, liverCtReviewProtocol } from '@delineate/schema';
import { configFromEnv, openPlatform } from '@delineate/server';
import { AccessRepository, AuditLog, ItemRepository, LabelSchemaRepository, ProjectRepository, ReviewProtocolRepository } from '@delineate/store';
import { runCli } from '../test/run-cli';

const run = runCli;

describe('delineate import-mask', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let itemId: string;
  let offGridItemId: string;
  const liver = 'dicom/pydicom-data/liver.dcm';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-cli-import-'));
    env = { ...process.env, DELINEATE_DATA: join(dir, 'data'), DELINEATE_LOG_LEVEL: 'silent' };
    const declared = declaredSegmentation(await readSharedSegmentation(liver));
    const { database, blobs } = await openPlatform(configFromEnv(env), env);
    try {
      const db = database.db;
      const labelSchema = await new LabelSchemaRepository(db).create(liverCtLabelSchema);
      const protocol = await new ReviewProtocolRepository(db).create(liverCtReviewProtocol);
      const project = await new ProjectRepository(db).create({
        ...demoProjectSettings,
        name: 'cli-import',
        labelSchema: { id: labelSchema.id, version: labelSchema.version },
        reviewProtocol: { id: protocol.id, version: protocol.version },
      });
      const items = new ItemRepository(db);
      const subject = await items.createSubject({ projectId: project.id, pseudonym: 'P-IMPORT', ageBand: 'unknown', sex: 'unknown' });
      const study = await items.createStudy({ subjectId: subject.id, studyInstanceUid: '2.25.4242' });
      const o = declared.orientation;
      const normal = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
      const [first, second] = declared.positions;
      const between = Math.hypot(second![0] - first![0], second![1] - first![1], second![2] - first![2]);
      const place = async (uid: string, originX: number) => {
        const series = await items.createSeries({ studyId: study.id, seriesInstanceUid: uid, modality: 'CT' });
        await db
          .updateTable('series')
          .set({
            rows: declared.rows,
            columns: declared.columns,
            slices: declared.positions.length,
            spacing: [declared.pixelSpacing[1], declared.pixelSpacing[0], between],
            origin: [originX, first![1], first![2]],
            direction: [...o, ...normal],
          })
          .where('id', '=', series.id)
          .execute();
        return (await items.createItem({ projectId: project.id, subjectId: subject.id, target: { kind: 'series_volume', seriesId: series.id } })).id;
      };
      itemId = await place('2.25.4243', first![0]);
      offGridItemId = await place('2.25.4244', first![0] + 0.4);
      const access = new AccessRepository(db);
      const user = await access.createUser({ username: 'importer', displayName: 'Importer', now: new Date() });
      await access.addMembership({ userId: user.id, projectId: project.id, role: 'annotator', grantedBy: null, now: new Date() });
    } finally {
      await blobs.close();
      await database.close();
    }
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('imports liver.dcm as an audited revision and refuses an off-grid item without starting an annotation', { timeout: 180_000 }, async () => {
    const declared = declaredSegmentation(await readSharedSegmentation(liver));
    const result = await run(['import-mask', '--item', itemId, '--user', 'importer', requireTestData(liver)], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`segment 1 → liver (1): ${declared.counts.get(1)} voxels`);
    expect(result.stdout).toMatch(/imported DICOM SEG as revision 1 of annotation [0-9a-f-]{36}/);

    const refused = await run(['import-mask', '--item', offGridItemId, '--user', 'importer', requireTestData(liver)], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('DLN_IMPORT_OFF_GRID');

    const { database, blobs } = await openPlatform(configFromEnv(env), env);
    try {
      const annotations = await database.db.selectFrom('annotations').select(['item_id']).execute();
      expect(annotations.map((a) => a.item_id)).toEqual([itemId]);
      const events = await new AuditLog(database.db, { now: () => new Date() }).range(new Date(0), new Date(Date.now() + 60_000));
      expect(events.filter((e) => e.action === 'annotation.import').map((e) => e.outcome)).toEqual(['success']);
    } finally {
      await blobs.close();
      await database.close();
    }
  });
});
