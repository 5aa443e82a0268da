import { DelineateError, type Label } from '@delineate/schema';
import { expect, it } from 'vitest';
import { describeStore } from '../test/describe-store';
import { testChecklist, testLabels } from '../test/fixtures';
import { DeidRecordRepository } from './deid-records';
import { ItemRepository } from './items';
import { LabelSchemaRepository } from './label-schemas';
import { ProjectRepository } from './projects';
import { ReviewProtocolRepository } from './review-protocols';

describeStore('projects and items', (getDb) => {
  async function project() {
    const { db } = getDb();
    const schema = await new LabelSchemaRepository(db).create({ name: 'Liver', labels: testLabels as unknown as Label[] });
    const protocol = await new ReviewProtocolRepository(db).create({ name: 'Liver review', checklist: testChecklist as never });
    const projects = new ProjectRepository(db);
    const created = await projects.create({
      name: 'Liver CT',
      modality: 'CT',
      oversightModel: 'supervised_technologist',
      region: 'eu',
      purpose: 'Training data for liver segmentation',
      legalBasis: 'consent',
      labelSchema: { id: schema.id, version: 1 },
      reviewProtocol: { id: protocol.id, version: 1 },
      agreementSampling: { fraction: 0.2, readersPerItem: 3, blinded: true },
      deid: { profile: 'basic', options: ['clean-pixel-data', 'retain-device-identity'] },
    });
    return { db, projects, created, schema };
  }

  it('round-trips a project', async () => {
    const { projects, created } = await project();
    expect(await projects.get(created.id)).toEqual(created);
    expect(created).toMatchObject({ region: 'eu', agreementSampling: { fraction: 0.2, readersPerItem: 3, blinded: true } });
    expect(created.deid.options).toEqual(['clean-pixel-data', 'retain-device-identity']);
    expect((await projects.findByName('Liver CT'))?.id).toBe(created.id);
    expect(await projects.list()).toHaveLength(1);
  });

  it('refuses unknown vocabulary values and missing schema versions', async () => {
    const { projects, created } = await project();
    const base = { ...created, name: 'Other' };
    await expect(projects.create({ ...base, region: 'mars' as never })).rejects.toMatchObject({ code: 'DLN_REQUEST_INVALID' });
    await expect(projects.create({ ...base, labelSchema: { id: created.labelSchema.id, version: 9 } })).rejects.toMatchObject({ code: 'DLN_NOT_FOUND' });
    await expect(projects.create({ ...created })).rejects.toMatchObject({ code: 'DLN_CONFLICT' });
  });

  it('stores the imaging hierarchy and items of each kind', async () => {
    const { db, created } = await project();
    const items = new ItemRepository(db);
    const subject = await items.createSubject({ projectId: created.id, pseudonym: 'SUBJ-0001', ageBand: '60-69', sex: 'M' });
    const study = await items.createStudy({ subjectId: subject.id, studyInstanceUid: '2.25.11' });
    const series = await items.createSeries({ studyId: study.id, seriesInstanceUid: '2.25.12', modality: 'CT', sliceThickness: 1 });
    // The de-identification gate (0030_deid_gate) admits only instances with a passed record.
    const deid = new DeidRecordRepository(db);
    for (const hash of ['a'.repeat(64), 'b'.repeat(64)]) {
      await deid.record({
        projectId: created.id,
        sourceHash: 'c'.repeat(64),
        outputHash: hash,
        profile: 'basic',
        options: [],
        actions: [],
        pixelRegionsRedacted: [],
        findings: [],
        status: 'passed',
      });
    }
    await expect(
      items.addInstances([{ seriesId: series.id, sopInstanceUid: '2.25.13.9', instanceNumber: 9, blobHash: 'd'.repeat(64) }]),
    ).rejects.toBeInstanceOf(DelineateError);
    await items.addInstances([
      { seriesId: series.id, sopInstanceUid: '2.25.13.2', instanceNumber: 2, blobHash: 'b'.repeat(64) },
      { seriesId: series.id, sopInstanceUid: '2.25.13.1', instanceNumber: 1, blobHash: 'a'.repeat(64) },
    ]);
    expect((await items.listInstances(series.id)).map((i) => i.instanceNumber)).toEqual([1, 2]);
    expect((await items.getSeries(series.id)).instanceCount).toBe(2);
    const item = await items.createItem({ projectId: created.id, subjectId: subject.id, target: { kind: 'series_volume', seriesId: series.id } });
    expect(await items.getItem(item.id)).toEqual(item);
    expect(item.target).toEqual({ kind: 'series_volume', seriesId: series.id });
    expect((await items.listItems(created.id)).map((i) => i.id)).toEqual([item.id]);
    await expect(
      items.createItem({ projectId: created.id, subjectId: subject.id, target: { kind: 'frame_range', videoId: series.id, firstFrame: 5, lastFrame: 2 } }),
    ).rejects.toBeInstanceOf(DelineateError);
    await expect(
      items.addInstances([{ seriesId: series.id, sopInstanceUid: '2.25.13.3', instanceNumber: 3, blobHash: 'not-a-hash' }]),
    ).rejects.toMatchObject({ code: 'DLN_REQUEST_INVALID' });
  });
});
