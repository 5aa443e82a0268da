import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOctPhantom, readDicomFile, type OctPhantom } from '@delineate/formats';
import { DeidRecordRepository, ItemRepository, OctRepository } from '@delineate/store';
import { startHarness, type Harness } from '../../test/harness';
import { asUser } from '../../test/auth';
import { bscanLinesOfOpt } from './localizer';

describe('OCT localizer', () => {
  let h: Harness;
  let phantom: OctPhantom;
  let headers: Record<string, string>;
  let octItemId: string;
  let localizerItemId: string;

  beforeAll(async () => {
    h = await startHarness('pglite');
    phantom = generateOctPhantom({ seed: 11 });
    const db = h.database.db;
    const blobs = h.server.context.blobs;
    const items = new ItemRepository(db);
    const subject = await items.createSubject({ projectId: h.seeded.projectId, pseudonym: 'P-OCT', ageBand: 'unknown', sex: 'unknown' });
    const study = await items.createStudy({ subjectId: subject.id, studyInstanceUid: phantom.uids.study });
    const series = async (uid: string, modality: 'OPT' | 'OP', grid: { rows: number; columns: number; slices: number }, sopInstanceUid: string, bytes: Uint8Array) => {
      const created = await items.createSeries({ studyId: study.id, seriesInstanceUid: uid, modality });
      await db.updateTable('series').set({ ...grid, spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }).where('id', '=', created.id).execute();
      const { hash } = await blobs.put(bytes);
      // The gate's record first: the store refuses an instance whose blob has no passed de-identification.
      await new DeidRecordRepository(db).record({ projectId: h.seeded.projectId, sourceHash: hash.replace(/^./, hash.startsWith('a') ? 'b' : 'a'), outputHash: hash, profile: 'basic', options: [], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
      await items.addInstances([{ seriesId: created.id, sopInstanceUid, instanceNumber: 1, blobHash: hash }]);
      return created.id;
    };
    const { geometry } = phantom;
    const optSeries = await series(phantom.uids.series, 'OPT', { rows: geometry.rows, columns: geometry.ascans, slices: geometry.bscans }, phantom.uids.instance, phantom.opt);
    await new OctRepository(db, blobs, () => new Date()).registerVolume(optSeries, geometry, 'dicom');
    octItemId = (await items.createItem({ projectId: h.seeded.projectId, subjectId: subject.id, target: { kind: 'series_volume', seriesId: optSeries } })).id;
    const localizerSeries = await series(phantom.uids.localizerSeries, 'OP', { rows: 128, columns: 128, slices: 1 }, phantom.uids.localizer, phantom.localizer);
    localizerItemId = (await items.createItem({ projectId: h.seeded.projectId, subjectId: subject.id, target: { kind: 'photo', seriesId: localizerSeries } })).id;
    headers = await asUser(h, h.seeded.userId);
  }, 120_000);
  afterAll(async () => h?.close());

  it('reads each frame’s line on the localizer and the localizer it names from an OPT', () => {
    const { localizerUid, lines } = bscanLinesOfOpt(readDicomFile(phantom.opt).dataset);
    expect(localizerUid).toBe(phantom.uids.localizer);
    expect(lines).toHaveLength(49);
    // The phantom's lines are horizontal, one B-scan spacing (120 µm) apart in localizer pixels.
    const step = 120 / phantom.localizerPixelUm;
    expect(lines[0]!.start).toEqual([0, 0]);
    expect(lines[10]!.start[0]).toBeCloseTo(10 * step, 3);
    expect(lines[10]!.end[0]).toBeCloseTo(10 * step, 3);
    expect(lines[10]!.end[1]).toBeCloseTo(127, 3);
  });

  it('gives the B-scan lines and the localizer item of the same project', async () => {
    const res = await h.server.app.inject({ method: 'GET', url: `/api/items/${octItemId}/oct/localizer`, headers });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ localizerItemId, width: 128, height: 128 });
    expect(body.lines).toHaveLength(49);
    expect(body.lines[48].start[0]).toBeCloseTo((48 * 120) / phantom.localizerPixelUm, 3);
  });

  it('refuses an item that is not an OCT volume', async () => {
    const res = await h.server.app.inject({ method: 'GET', url: `/api/items/${h.seeded.itemId}/oct/localizer`, headers });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('DLN_OCT_NOT_OCT_ITEM');
  });
});
