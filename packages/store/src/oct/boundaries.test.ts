import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boundaryIndex, emptyBoundarySet, encodeBoundarySet, setHeight } from '@delineate/core';
import { octRetinaBoundaries, octRetinaFoveaUm, octRetinaGeometry, octRetinaHasEzLoss, octRetinaThicknessUm } from '@delineate/formats';
import { DelineateError } from '@delineate/schema';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BlobKey } from '../blob/key';
import { LocalBlobStore } from '../blob/local';
import { AnnotationRepository } from '../repositories/annotations';
import { describeStore } from '../test/describe-store';
import { seedProject } from '../test/fixtures';
import { OctRepository } from './boundaries';

async function codeOf(promise: Promise<unknown>): Promise<DelineateError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DelineateError);
  return error as DelineateError;
}

/** The phantom's boundaries and the measures worked out from its closed form, A-scan by A-scan. */
function octRetinaTruthForTests() {
  const geometry = octRetinaGeometry;
  let cst = 0;
  let cstN = 0;
  let all = 0;
  let ezLossAScans = 0;
  for (let s = 0; s < geometry.bscans; s++) {
    for (let a = 0; a < geometry.ascans; a++) {
      const x = a * geometry.ascanSpacingUm;
      const y = s * geometry.bscanSpacingUm;
      const thickness = octRetinaThicknessUm(Math.hypot(x - octRetinaFoveaUm.x, y - octRetinaFoveaUm.y));
      all += thickness;
      if (octRetinaHasEzLoss(x, y)) ezLossAScans += 1;
      if (Math.hypot((a - 255) * geometry.ascanSpacingUm, (s - 24) * geometry.bscanSpacingUm) < 500) {
        cst += thickness;
        cstN += 1;
      }
    }
  }
  return { geometry, boundaries: octRetinaBoundaries(geometry), centralSubfieldUm: cst / cstN, meanRetinaUm: all / (geometry.bscans * geometry.ascans), ezLossAScans };
}

let folder = '';
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'dln-oct-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

describeStore('OCT boundary revisions', (getDb) => {
  async function setup(geometry = octRetinaTruthForTests().geometry) {
    const { db } = getDb();
    const seed = await seedProject(db);
    let now = Date.parse('2026-01-01T00:00:00Z');
    const clock = () => new Date((now += 1000));
    const blobs = new LocalBlobStore({ dir: folder, key: BlobKey.generate() });
    const oct = new OctRepository(db, blobs, clock);
    const item = await db.selectFrom('items').select('series_id').where('id', '=', seed.itemId).executeTakeFirstOrThrow();
    await oct.registerVolume(item.series_id!, geometry, 'dicom');
    const annotations = new AnnotationRepository(db, { clock });
    const annotation = await annotations.create({ projectId: seed.projectId, itemId: seed.itemId, labelSchema: { id: seed.labelSchemaId, version: 1 }, createdBy: seed.userId });
    return { db, seed, oct, annotation, annotations };
  }

  it('stores the generator\'s boundaries and derives thicknesses equal to its known ones (to 1 µm)', async () => {
    const truth = octRetinaTruthForTests();
    const { oct, annotation, seed } = await setup();
    const saved = await oct.save({ annotationId: annotation.id, expectedVersion: 0, authorUserId: seed.userId, source: 'human', bytes: encodeBoundarySet(truth.boundaries) });
    expect(saved.revision).toMatchObject({ version: 1, parentVersion: null, source: 'human' });
    expect(saved.measures.foveaFrom).toBe('thinnest_central_point');
    expect(saved.measures.fovea).toEqual({ bscan: 24, ascan: 255 });
    expect(Math.abs(saved.measures.retina.centralSubfieldUm - truth.centralSubfieldUm)).toBeLessThan(1);
    expect(Math.abs(saved.measures.retina.meanUm - truth.meanRetinaUm)).toBeLessThan(1);
    // The EZ–IZ slab has no value inside the EZ-loss patch: fewer valued A-scans than the grid.
    const ezIz = saved.measures.slabs.find((s) => s.top === 'EZ')!;
    expect(ezIz.valuedAScans).toBe(49 * 512 - truth.ezLossAScans);
    expect(Math.abs(ezIz.meanUm - 22)).toBeLessThan(1);
    const stored = await oct.revision(annotation.id);
    expect(stored?.measures.retina.centralSubfieldUm).toBeCloseTo(saved.measures.retina.centralSubfieldUm, 6);
    const { bytes } = await oct.read(annotation.id, 1);
    expect(bytes).toEqual(encodeBoundarySet(truth.boundaries));
  }, 60_000);

  it('refuses boundaries out of order with the boundaries and the B-scan named, writing nothing', async () => {
    const { oct, annotation, seed } = await setup({ bscans: 3, ascans: 4, rows: 100, ascanSpacingUm: 10, bscanSpacingUm: 100, axialUmPerPixel: 4, laterality: 'OS' });
    const set = emptyBoundarySet(3, 4);
    setHeight(set, boundaryIndex('ILM'), 2, 1, 20);
    setHeight(set, boundaryIndex('OPL_ONL'), 2, 1, 40);
    setHeight(set, boundaryIndex('RPE'), 2, 1, 39.5);
    const error = await codeOf(oct.save({ annotationId: annotation.id, expectedVersion: 0, authorUserId: seed.userId, source: 'human', bytes: encodeBoundarySet(set) }));
    expect(error.code).toBe('DLN_OCT_BOUNDARY_ORDER');
    expect(error.status).toBe(422);
    expect(error.message).toContain('B-scan 3');
    expect(error.details).toEqual({ upper: 'OPL_ONL', lower: 'RPE', bscan: 2, ascan: 1 });
    expect(await oct.history(annotation.id)).toEqual([]);
    // A set of another size and a height below the B-scan are refused the same way.
    expect((await codeOf(oct.save({ annotationId: annotation.id, expectedVersion: 0, authorUserId: seed.userId, source: 'human', bytes: encodeBoundarySet(emptyBoundarySet(2, 4)) }))).code).toBe('DLN_OCT_BOUNDARIES_INVALID');
    const deep = emptyBoundarySet(3, 4);
    setHeight(deep, 0, 0, 0, 101);
    expect((await codeOf(oct.save({ annotationId: annotation.id, expectedVersion: 0, authorUserId: seed.userId, source: 'human', bytes: encodeBoundarySet(deep) }))).code).toBe('DLN_OCT_BOUNDARIES_INVALID');
  });

  it('moves the chain by compare-and-set, replays a retried save, refuses a reused key and other writers', async () => {
    const { oct, annotation, seed } = await setup({ bscans: 1, ascans: 2, rows: 50, ascanSpacingUm: 10, bscanSpacingUm: 100, axialUmPerPixel: 4, laterality: 'OD' });
    const one = emptyBoundarySet(1, 2);
    setHeight(one, 0, 0, 0, 10);
    const two = emptyBoundarySet(1, 2);
    setHeight(two, 0, 0, 1, 12);
    const save = { annotationId: annotation.id, expectedVersion: 0, authorUserId: seed.userId, source: 'human' as const, idempotencyKey: 'k-1', bytes: encodeBoundarySet(one) };
    const first = await oct.save(save);
    expect((await oct.save(save)).replayed).toBe(true);
    expect((await codeOf(oct.save({ ...save, bytes: encodeBoundarySet(two) }))).code).toBe('DLN_IDEMPOTENCY_MISMATCH');
    const stale = await codeOf(oct.save({ ...save, idempotencyKey: undefined, bytes: encodeBoundarySet(two) }));
    expect(stale.code).toBe('DLN_REVISION_STALE');
    expect(stale.details).toEqual({ currentVersion: 1 });
    const second = await oct.save({ ...save, idempotencyKey: undefined, expectedVersion: 1, bytes: encodeBoundarySet(two) });
    expect(second.revision).toMatchObject({ version: 2, parentVersion: 1 });
    expect((await oct.history(annotation.id)).map((r) => r.version)).toEqual([first.revision.version, 2]);
    // Only the user who started a free annotation saves to it.
    expect((await codeOf(oct.save({ ...save, idempotencyKey: undefined, expectedVersion: 2, authorUserId: seed.otherUserId }))).code).toBe('DLN_AUTH_FORBIDDEN');
  });

  it('centres the grids on a set fovea point and refuses an item that is not OCT', async () => {
    const { oct, annotation, seed, db } = await setup({ bscans: 1, ascans: 3, rows: 50, ascanSpacingUm: 10, bscanSpacingUm: 100, axialUmPerPixel: 4, laterality: 'OD' });
    await oct.setFovea(seed.itemId, { bscan: 0, ascan: 2 });
    const set = emptyBoundarySet(1, 3);
    for (let a = 0; a < 3; a++) {
      setHeight(set, boundaryIndex('ILM'), 0, a, 10);
      setHeight(set, boundaryIndex('BM'), 0, a, 10 + a);
    }
    const saved = await oct.save({ annotationId: annotation.id, expectedVersion: 0, authorUserId: seed.userId, source: 'human', bytes: encodeBoundarySet(set) });
    expect(saved.measures.foveaFrom).toBe('set');
    expect(saved.measures.fovea).toEqual({ bscan: 0, ascan: 2 });
    // All three A-scans lie within 500 µm of the fovea: (0 + 4 + 8) / 3 µm.
    expect(saved.measures.retina.centralSubfieldUm).toBeCloseTo(4, 9);
    await db.deleteFrom('oct_volumes' as never).execute();
    expect((await codeOf(oct.volumeOfItem(seed.itemId))).code).toBe('DLN_OCT_NOT_OCT_ITEM');
  });
});
