import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { encodeRgbPng, generateCtPhantom, generateSyntheticFundus } from '@delineate/formats';
import { BlobKey, FundusPhotoRepository, testing, UploadStaging } from '@delineate/store';
import { dciodvfyAvailable } from '@delineate/testkit';
import { gateUploadBatch } from './upload-gate';
import { useGateBed } from '../test/gate-bed';

describe.skipIf(!dciodvfyAvailable())('the gate job of an upload batch', () => {
  const bed = useGateBed('dln-upload-gate-');
  const key = BlobKey.generate();
  const clock = () => new Date();


  async function upload(staging: UploadStaging, batchId: string, name: string, bytes: Uint8Array, laterality?: 'OD' | 'OS'): Promise<string> {
    const file = await staging.createFile({ batchId, name, size: bytes.length, laterality });
    // Two chunks, as the browser sends them.
    const half = Math.floor(bytes.length / 2);
    await staging.appendChunk(file.id, 0, bytes.subarray(0, half));
    await staging.appendChunk(file.id, half, bytes.subarray(half));
    return (await staging.complete(file.id)).id;
  }

  it('gates a batch in one run: series across files and inside a zip become volumes, each file gets its answer, staged bytes go', { timeout: 180_000 }, async () => {
    const projectId = await testing.createDemoProject(bed.database);
    const staging = new UploadStaging(bed.database.db, { key, clock, maxFileBytes: 1e9 });
    const batch = await staging.createBatch({ projectId, userId: null });
    // One series sent as three loose files, another as a zip (with a folder entry and a DICOMDIR-named index).
    const loose = generateCtPhantom({ slices: 3, rows: 16, columns: 16, seed: 41 }).slices.map((s) => s.bytes);
    const zipped = generateCtPhantom({ slices: 2, rows: 16, columns: 16, seed: 42 }).slices.map((s) => s.bytes);
    const archive = zipSync({ 'study/': new Uint8Array(0), 'study/a.dcm': zipped[0]!, 'study/b.dcm': zipped[1]! });
    const ids = [];
    for (const [i, bytes] of loose.entries()) ids.push(await upload(staging, batch.id, `series/IM${i}.dcm`, bytes));
    ids.push(await upload(staging, batch.id, 'study.zip', archive));
    ids.push(await upload(staging, batch.id, 'garbage.dcm', new TextEncoder().encode('not a DICOM file at all, just words')));
    ids.push(await upload(staging, batch.id, 'broken.zip', archive.subarray(0, archive.length - 40)));
    await staging.close(batch.id, null);

    await gateUploadBatch({ database: bed.database, blobs: bed.blobs, clock }, key, { projectId, batchId: batch.id }, { validator: () => bed.validator });

    const files = await staging.files(batch.id);
    const byId = new Map(files.map((f) => [f.id, f]));
    for (const id of ids.slice(0, 3)) expect(byId.get(id)).toMatchObject({ state: 'passed', outcome: { passed: 1, quarantined: 0, rejected: 0, duplicates: 0 } });
    expect(byId.get(ids[3]!)).toMatchObject({ state: 'passed', outcome: { passed: 2 } });
    expect(byId.get(ids[4]!)).toMatchObject({ state: 'rejected', code: expect.stringMatching(/^DLN_/), reason: expect.any(String) });
    expect(byId.get(ids[5]!)).toMatchObject({ state: 'rejected', code: 'DLN_UPLOAD_ARCHIVE_INVALID' });
    for (const id of ids) expect(await staging.stagedBytes(id)).toBe(0);
    const items = await bed.database.db.selectFrom('items').innerJoin('series', 'series.id', 'items.series_id').select(['series.slices']).where('items.project_id', '=', projectId).execute();
    expect(items.map((i) => i.slices).sort()).toEqual([2, 3]);
  });

  it('wraps an uploaded PNG with the eye named on the form into an OP photo item of that laterality; without an eye it is refused', { timeout: 180_000 }, async () => {
    const projectId = await testing.createDemoProject(bed.database);
    await bed.database.db.updateTable('projects').set({ accepted_modalities: JSON.stringify(['OP']) }).where('id', '=', projectId).execute();
    const staging = new UploadStaging(bed.database.db, { key, clock, maxFileBytes: 1e9 });
    const batch = await staging.createBatch({ projectId, userId: null });
    const png = (seed: number) => encodeRgbPng(generateSyntheticFundus({ width: 64 + seed, height: 48, laterality: 'OS' }).pixels);
    const left = await upload(staging, batch.id, 'left-eye.png', png(0), 'OS');
    const unnamed = await upload(staging, batch.id, 'no-eye.png', png(1));
    await staging.close(batch.id, null);

    await gateUploadBatch({ database: bed.database, blobs: bed.blobs, clock }, key, { projectId, batchId: batch.id }, { validator: () => bed.validator });

    const byId = new Map((await staging.files(batch.id)).map((f) => [f.id, f]));
    expect(byId.get(left)).toMatchObject({ state: 'passed', laterality: 'OS', outcome: { passed: 1 } });
    expect(byId.get(unnamed)).toMatchObject({ state: 'rejected', code: 'DLN_PHOTO_LATERALITY_REQUIRED' });
    const [item] = await bed.database.db.selectFrom('items').select(['id', 'kind']).where('project_id', '=', projectId).execute();
    expect(item?.kind).toBe('photo');
    expect(await new FundusPhotoRepository(bed.database.db).get(item!.id)).toMatchObject({ laterality: 'OS', width: 64, height: 48 });
  });
});
