import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRle8, gridOf } from '@delineate/core';
import { encodeNifti } from '@delineate/formats';
import { DelineateError } from '@delineate/schema';
import { declaredSegmentation, readSharedSegmentation, sharedSegmentationFiles, type DeclaredSegmentation } from '@delineate/testkit';
import { afterEach, expect, it } from 'vitest';
import { BlobKey } from '../blob/key';
import { LocalBlobStore } from '../blob/local';
import { AnnotationRepository } from '../repositories/annotations';
import { describeStore } from '../test/describe-store';
import { seedProject, testLabels } from '../test/fixtures';
import { importMaskRevision, type ItemVolumeGeometry } from './import-mask';

const bone = {
  ...testLabels[0]!,
  key: 'bone',
  value: 2,
  name: 'Bone',
  concept: { scheme: 'SCT', value: '272673000', meaning: 'Bone' },
  category: { scheme: 'SCT', value: '85756007', meaning: 'Tissue' },
};

/** The item geometry a SEG file lies on, from what the file declares. */
function geometryOf(declared: DeclaredSegmentation): ItemVolumeGeometry {
  const [first, second] = declared.positions;
  const o = declared.orientation;
  const normal = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
  const between = Math.hypot(second![0] - first![0], second![1] - first![1], second![2] - first![2]);
  return {
    rows: declared.rows,
    columns: declared.columns,
    slices: declared.positions.length,
    spacing: [declared.pixelSpacing[1], declared.pixelSpacing[0], between],
    origin: first!,
    direction: [...o, ...normal],
  };
}

function codeOf(error: unknown): string {
  return error instanceof DelineateError ? error.code : String(error);
}

let dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
});

describeStore('mask import', (getDb) => {
  let seeded = 0;
  async function setup(geometry: ItemVolumeGeometry, labels: readonly unknown[] = [testLabels[0], bone]) {
    const { db } = getDb();
    seeded += 1;
    const seed = await seedProject(db, `-${seeded}`);
    await db.insertInto('label_schema_versions').values({ schema_id: seed.labelSchemaId, version: 2, labels: JSON.stringify(labels) }).execute();
    const item = await db.selectFrom('items').select('series_id').where('id', '=', seed.itemId).executeTakeFirstOrThrow();
    const { rows, columns, slices, spacing, origin, direction } = geometry;
    await db
      .updateTable('series')
      .set({ rows, columns, slices, spacing: [...spacing], origin: [...origin], direction: [...direction] })
      .where('id', '=', item.series_id!)
      .execute();
    const dir = await mkdtemp(join(tmpdir(), 'dln-import-'));
    dirs.push(dir);
    const repo = new AnnotationRepository(db, { blobs: new LocalBlobStore({ dir, key: BlobKey.generate() }) });
    const annotation = await repo.create({ projectId: seed.projectId, itemId: seed.itemId, labelSchema: { id: seed.labelSchemaId, version: 2 } });
    const input = { annotationId: annotation.id, expectedVersion: 0, author: { kind: 'user' as const, userId: seed.userId } };
    const voxels = rows * columns * slices;
    const readLabels = async (version: number) => {
      const decoded = decodeRle8(await repo.readMask(annotation.id, version), voxels);
      if (!decoded.ok) throw new Error(decoded.reason);
      return decoded.voxels;
    };
    return { db, repo, annotation, input, readLabels };
  }

  for (const file of sharedSegmentationFiles) {
    it(`imports ${file} into a revision with the voxel counts the file declares`, async () => {
      const bytes = await readSharedSegmentation(file);
      const declared = declaredSegmentation(bytes);
      const { repo, annotation, input, readLabels } = await setup(geometryOf(declared));
      const result = await importMaskRevision(getDb().db, repo, { ...input, bytes });
      expect(result.revision.source).toBe('import');
      expect(result.format).toBe('dicom-seg');
      const labels = await readLabels(result.revision.version);
      for (const [segment, count] of declared.counts) {
        const mapped = result.segments.find((s) => s.fileSegment === segment)!;
        let stored = 0;
        for (const v of labels) if (v === mapped.labelValue) stored += 1;
        expect(stored).toBe(count);
        expect(mapped.voxels).toBe(count);
      }
      expect((await repo.get(annotation.id)).headVersion).toBe(1);
    });
  }

  it('refuses a SEG off the item grid and a segment whose code the schema lacks, writing nothing', async () => {
    const bytes = await readSharedSegmentation('dicom/highdicom/seg_image_ct_binary.dcm');
    const geometry = geometryOf(declaredSegmentation(bytes));
    const shifted = { ...geometry, origin: [geometry.origin[0] + geometry.spacing[0] / 2, geometry.origin[1], geometry.origin[2]] as const };
    const offGrid = await setup(shifted);
    await expect(importMaskRevision(getDb().db, offGrid.repo, { ...offGrid.input, bytes }).catch(codeOf)).resolves.toBe('DLN_IMPORT_OFF_GRID');
    expect((await offGrid.repo.get(offGrid.annotation.id)).headVersion).toBe(0);
    const noBone = await setup(geometry, [testLabels[0]]);
    await expect(importMaskRevision(getDb().db, noBone.repo, { ...noBone.input, bytes }).catch(codeOf)).resolves.toBe('DLN_IMPORT_CODE_UNKNOWN');
    expect((await noBone.repo.get(noBone.annotation.id)).headVersion).toBe(0);
  });

  it('imports a NIfTI label map stored with flipped rows (as dcm2niix writes) voxel for voxel, and refuses one off the grid', async () => {
    const geometry: ItemVolumeGeometry = { rows: 6, columns: 5, slices: 4, spacing: [0.8, 0.7, 2.5], origin: [-20, -30, 40], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    const { repo, input, readLabels } = await setup(geometry);
    const expected = new Uint8Array(5 * 6 * 4);
    for (let i = 0; i < expected.length; i += 1) expected[i] = i % 7 === 0 ? 2 : i % 3 === 0 ? 1 : 0;
    // NIfTI voxel (x, y', z) with y' = rows − 1 − y; world RAS = (−LPS x, −LPS y, z).
    const flipped = new Uint8Array(expected.length);
    for (let z = 0; z < 4; z += 1) for (let y = 0; y < 6; y += 1) for (let x = 0; x < 5; x += 1) flipped[x + 5 * (5 - y + 6 * z)] = expected[x + 5 * (y + 6 * z)]!;
    const affine = [-0.8, 0, 0, 20, 0, 0.7, 0, 30 - 5 * 0.7, 0, 0, 2.5, 40, 0, 0, 0, 1];
    const nifti = encodeNifti({ grid: gridOf([5, 6, 4], [0.8, 0.7, 2.5]), data: flipped, affine }, { gzip: true });
    const result = await importMaskRevision(getDb().db, repo, { ...input, bytes: nifti });
    expect(result.format).toBe('nifti');
    expect(Buffer.compare(await readLabels(result.revision.version), expected)).toBe(0);
    const shiftedAffine = affine.map((v, i) => (i === 3 ? v + 0.4 : v));
    const offGrid = encodeNifti({ grid: gridOf([5, 6, 4], [0.8, 0.7, 2.5]), data: flipped, affine: shiftedAffine }, { gzip: true });
    await expect(importMaskRevision(getDb().db, repo, { ...input, expectedVersion: 1, bytes: offGrid }).catch(codeOf)).resolves.toBe('DLN_IMPORT_OFF_GRID');
    await expect(importMaskRevision(getDb().db, repo, { ...input, expectedVersion: 1, bytes: new Uint8Array(400) }).catch(codeOf)).resolves.toBe('DLN_IMPORT_FORMAT_UNKNOWN');
  });
});
