import { describe, expect, it } from 'vitest';
import { gridOf } from '@delineate/core';
import { encodeNifti, generateCtPhantom, niftiAffineFromGeometry, type CtPhantom } from '@delineate/formats';
import { AccessRepository, BlobKey, testing, UploadStaging } from '@delineate/store';
import { dciodvfyAvailable } from '@delineate/testkit';
import { gateUploadBatch } from './upload-gate';
import { useGateBed } from '../test/gate-bed';

/** The phantom's series geometry as a NIfTI affine, moved by `shiftMm` along x. */
function affineOf(phantom: CtPhantom, shiftMm = 0): number[] {
  const [a, b, c, d, e, f] = phantom.orientation;
  const normal = [b * f - c * e, c * d - a * f, a * e - b * d];
  const origin: [number, number, number] = [phantom.origin[0] + shiftMm, phantom.origin[1], phantom.origin[2]];
  return niftiAffineFromGeometry({ spacing: phantom.spacing, origin, direction: [a, b, c, d, e, f, ...normal] });
}

describe.skipIf(!dciodvfyAvailable())('NIfTI label maps uploaded with their series', () => {
  const bed = useGateBed('dln-upload-nifti-');
  const key = BlobKey.generate();
  const clock = () => new Date();

  async function upload(staging: UploadStaging, batchId: string, name: string, bytes: Uint8Array): Promise<string> {
    const file = await staging.createFile({ batchId, name, size: bytes.length });
    await staging.appendChunk(file.id, 0, bytes);
    return (await staging.complete(file.id)).id;
  }

  it('imports a label map on its series grid as a revision, refuses an off-grid one, an image and one without its series, writing nothing for them', { timeout: 180_000 }, async () => {
    const projectId = await testing.createDemoProject(bed.database);
    const user = await new AccessRepository(bed.database.db).createUser({ username: `steward-${crypto.randomUUID()}`, displayName: 'Steward', now: clock() });
    const staging = new UploadStaging(bed.database.db, { key, clock, maxFileBytes: 1e9 });
    const phantom = generateCtPhantom({ slices: 6, rows: 32, columns: 32, seed: 51 });
    const grid = gridOf([...phantom.dims], [...phantom.spacing]);
    const labelled = phantom.labels.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
    expect(labelled).toBeGreaterThan(0);

    const batch = await staging.createBatch({ projectId, userId: user.id });
    const series = [];
    for (const [i, slice] of phantom.slices.entries()) series.push(await upload(staging, batch.id, `ct/IM${i}.dcm`, slice.bytes));
    const onGrid = await upload(staging, batch.id, 'ct/labels.nii.gz', encodeNifti({ grid, data: phantom.labels, affine: affineOf(phantom) }, { gzip: true }));
    // Half a voxel off along x: the same dimensions, but its voxels lie between the series'.
    const offGrid = await upload(staging, batch.id, 'ct/shifted.nii', encodeNifti({ grid, data: phantom.labels.map((v) => v), affine: affineOf(phantom, phantom.spacing[0] / 2) }));
    const image = await upload(staging, batch.id, 'ct/image.nii.gz', encodeNifti({ grid, data: Float32Array.from(phantom.labels, (v, i) => v + (i % 7) / 10), affine: affineOf(phantom) }, { gzip: true }));
    await staging.close(batch.id, null);

    await gateUploadBatch({ database: bed.database, blobs: bed.blobs, clock }, key, { projectId, batchId: batch.id }, { validator: () => bed.validator });

    const byId = new Map((await staging.files(batch.id)).map((f) => [f.id, f]));
    for (const id of series) expect(byId.get(id)).toMatchObject({ state: 'passed' });
    expect(byId.get(onGrid)).toMatchObject({ state: 'passed', code: null, reason: expect.stringMatching(/^Imported as a label map of its series \(labels: /) });
    expect(byId.get(offGrid)).toMatchObject({ state: 'rejected', code: 'DLN_UPLOAD_NIFTI_OFF_GRID', reason: expect.stringMatching(/lies on the grid of no series/) });
    expect(byId.get(image)).toMatchObject({ state: 'rejected', code: 'DLN_UPLOAD_NIFTI_NOT_LABELS', reason: expect.stringMatching(/an image, not a label map/) });
    for (const id of [...series, onGrid, offGrid, image]) expect(await staging.stagedBytes(id)).toBe(0);

    // One item, one annotation, one imported revision by the uploader: the refused files wrote nothing.
    const items = await bed.database.db.selectFrom('items').select('id').where('project_id', '=', projectId).execute();
    expect(items).toHaveLength(1);
    const annotations = await bed.database.db.selectFrom('annotations').select(['id', 'item_id', 'created_by']).where('project_id', '=', projectId).execute();
    expect(annotations).toEqual([{ id: expect.any(String), item_id: items[0]!.id, created_by: user.id }]);
    const revisions = await bed.database.db.selectFrom('revisions').select(['version', 'source', 'author_user_id']).where('annotation_id', '=', annotations[0]!.id).execute();
    expect(revisions).toEqual([{ version: 1, source: 'import', author_user_id: user.id }]);

    // A label map without its series in the batch is refused in words.
    const alone = await staging.createBatch({ projectId, userId: user.id });
    const lonely = await upload(staging, alone.id, 'labels.nii.gz', encodeNifti({ grid, data: phantom.labels, affine: affineOf(phantom, 1) }, { gzip: true }));
    await staging.close(alone.id, null);
    await gateUploadBatch({ database: bed.database, blobs: bed.blobs, clock }, key, { projectId, batchId: alone.id }, { validator: () => bed.validator });
    expect(await staging.file(lonely)).toMatchObject({ state: 'rejected', code: 'DLN_UPLOAD_NIFTI_NO_SERIES', reason: expect.stringMatching(/with the DICOM series it was made on/) });
    expect(await bed.database.db.selectFrom('annotations').select('id').where('project_id', '=', projectId).execute()).toHaveLength(1);
  });
});
