import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { writeTiff } from '@delineate/formats';
import { BlobKey, testing, UploadStaging } from '@delineate/store';
import { dciodvfyAvailable, requireTestData } from '@delineate/testkit';
import { gateUploadBatch } from './upload-gate';
import { useGateBed } from '../test/gate-bed';

const shared = (path: string) => new Uint8Array(readFileSync(requireTestData(path)!));

/**
 * A tiled TIFF whose Artist equals a run of letters every vips JPEG pyramid holds (its Huffman
 * tables): the slide gate finds the removed value again in the output and quarantines the slide.
 */
function slideFoundAgainInItsPyramid(): Uint8Array {
  return writeTiff([
    {
      entries: [
        { tag: 256, type: 3, value: [256] },
        { tag: 257, type: 3, value: [256] },
        { tag: 258, type: 3, value: [8, 8, 8] },
        { tag: 259, type: 3, value: [1] },
        { tag: 262, type: 3, value: [2] },
        { tag: 277, type: 3, value: [3] },
        { tag: 315, type: 2, value: 'STUVWXYZcdefghij' },
        { tag: 322, type: 3, value: [256] },
        { tag: 323, type: 3, value: [256] },
      ],
      blocks: [new Uint8Array(256 * 256 * 3).fill(180)],
      tiled: true,
    },
  ]);
}

describe.skipIf(!dciodvfyAvailable())('slides in an upload batch', { timeout: 300_000 }, () => {
  const bed = useGateBed('dln-upload-slides-');
  const key = BlobKey.generate();
  const clock = () => new Date();


  async function upload(staging: UploadStaging, batchId: string, name: string, bytes: Uint8Array): Promise<string> {
    const file = await staging.createFile({ batchId, name, size: bytes.length });
    await staging.appendChunk(file.id, 0, bytes);
    return (await staging.complete(file.id)).id;
  }

  it('sends a slide through the slide gate and a DICOM file through the DICOM gate, as `delineate ingest` does', async () => {
    const projectId = await testing.createDemoProject(bed.database);
    const staging = new UploadStaging(bed.database.db, { key, clock, maxFileBytes: 1e9 });
    const batch = await staging.createBatch({ projectId, userId: null });
    const slideId = await upload(staging, batch.id, 'case 7/small.svs', shared('wsi/small.svs'));
    const mrId = await upload(staging, batch.id, 'case 7/MR_small.dcm', shared('dicom/pydicom/MR_small.dcm'));
    await staging.close(batch.id, null);

    await gateUploadBatch({ database: bed.database, blobs: bed.blobs, clock }, key, { projectId, batchId: batch.id }, { validator: () => bed.validator });

    const byId = new Map((await staging.files(batch.id)).map((f) => [f.id, f]));
    expect(byId.get(slideId)).toMatchObject({ state: 'passed', code: null, reason: 'Passed the slide gate: kept as a whole-slide image', outcome: { passed: 1, quarantined: 0, rejected: 0, duplicates: 0 } });
    expect(byId.get(mrId)).toMatchObject({ state: 'passed', reason: null, outcome: { passed: 1 } });
    for (const id of [slideId, mrId]) expect(await staging.stagedBytes(id)).toBe(0);
    const items = await bed.database.db.selectFrom('items').select(['kind', 'slide_id', 'series_id']).where('project_id', '=', projectId).execute();
    expect(items.map((i) => i.kind).sort()).toEqual(['series_volume', 'slide_region']);
    const slide = await bed.database.db.selectFrom('slides').select(['width', 'height']).where('id', '=', items.find((i) => i.slide_id)!.slide_id!).executeTakeFirstOrThrow();
    expect(slide).toEqual({ width: 16, height: 16 });
    const series = await bed.database.db.selectFrom('series').select('modality').where('id', '=', items.find((i) => i.series_id)!.series_id!).executeTakeFirstOrThrow();
    expect(series.modality).toBe('MR');
  });

  it('answers a quarantined slide and an unreadable one in words, with their codes', async () => {
    const projectId = await testing.createDemoProject(bed.database);
    const staging = new UploadStaging(bed.database.db, { key, clock, maxFileBytes: 1e9 });
    const batch = await staging.createBatch({ projectId, userId: null });
    const heldId = await upload(staging, batch.id, 'echo.tiff', slideFoundAgainInItsPyramid());
    const svs = shared('wsi/small.svs');
    const brokenId = await upload(staging, batch.id, 'cut.svs', svs.subarray(0, 64));
    await staging.close(batch.id, null);

    await gateUploadBatch({ database: bed.database, blobs: bed.blobs, clock }, key, { projectId, batchId: batch.id }, { validator: () => bed.validator });

    const byId = new Map((await staging.files(batch.id)).map((f) => [f.id, f]));
    expect(byId.get(heldId)).toMatchObject({ state: 'quarantined', code: 'DLN_DEID_QUARANTINED', outcome: { quarantined: 1 } });
    expect(byId.get(heldId)!.reason).toBe('Held for a data steward: an identifying value remained in the slide after de-identification');
    const broken = byId.get(brokenId)!;
    expect(broken).toMatchObject({ state: 'rejected', code: 'DLN_SLIDE_UNREADABLE', outcome: { rejected: 1 } });
    expect(broken.reason).toBe('The slide could not be opened as a whole-slide image (SVS, NDPI, MRXS or tiled TIFF)');
    expect(await bed.database.db.selectFrom('items').select('id').where('project_id', '=', projectId).execute()).toHaveLength(0);
  });
});
