import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordCineSeries, setLabelConventions } from '@delineate/store';
import { startHarness, type Harness } from '../../test/harness';
import { asUser } from '../../test/auth';

/** A square contour around pixel centres c0..c1 × r0..r1. */
const square = (c0: number, r0: number, c1: number, r1: number) => [c0 - 0.5, r0 - 0.5, c1 + 0.5, r0 - 0.5, c1 + 0.5, r1 + 0.5, c0 - 0.5, r1 + 0.5];

describe('cardiac API', () => {
  let h: Harness;
  let headers: Record<string, string>;
  let annotationId: string;
  // The harness item (16 × 16, 0.8 × 0.8 mm) made a cine of 2 slices × 2 phases, slices 2 mm apart.
  beforeAll(async () => {
    h = await startHarness('pglite');
    headers = await asUser(h, h.seeded.userId);
    const db = h.database.db;
    const item = await db.selectFrom('items').select('series_id').where('id', '=', h.seeded.itemId).executeTakeFirstOrThrow();
    await recordCineSeries(db, item.series_id!, { slices: 2, phases: 2, triggerTimes: [0, 400] });
    await db.updateTable('items').set({ kind: 'cine_volume' }).where('id', '=', h.seeded.itemId).execute();
    // The demo schema's values 1 and 2 serve as M&Ms LV and myocardium.
    await setLabelConventions(db, h.seeded.labelSchema.id, h.seeded.labelSchema.version, { labelMap: 'mnms', papillaryMuscles: 'excluded_from_cavity', basalSliceRule: 'all_contoured_slices' });
    const created = await h.server.app.inject({ method: 'POST', url: `/api/items/${h.seeded.itemId}/annotations`, headers, payload: { labelSchema: h.seeded.labelSchema } });
    annotationId = created.json().id;
  }, 120_000);
  afterAll(async () => h?.close());

  it('gives the cine shape, saves contours at ED and ES, and measures hand-computed volumes', async () => {
    const shape = await h.server.app.inject({ method: 'GET', url: `/api/items/${h.seeded.itemId}/cine`, headers });
    expect(shape.json()).toEqual({ slices: 2, phases: 2, triggerTimes: [0, 400], sliceSpacing: 2 });
    const plane = (slice: number, phase: number, n: number) => ({ slice, phase, lvEndocardium: square(4, 4, 3 + n, 3 + n), lvEpicardium: square(3, 3, 4 + n, 4 + n) });
    const saved = await h.server.app.inject({
      method: 'POST',
      url: `/api/annotations/${annotationId}/cardiac/contours`,
      headers: { ...headers, 'if-match': '"0"' },
      payload: { contours: [plane(0, 0, 4), plane(1, 0, 4), plane(0, 1, 2), plane(1, 1, 2)] },
    });
    expect(saved.statusCode, saved.body).toBe(201);
    const reading = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/cardiac`, headers });
    expect(reading.statusCode, reading.body).toBe(200);
    const voxelMl = (0.8 * 0.8 * 2) / 1000;
    const body = reading.json();
    expect(body.designation).toMatchObject({ edPhase: 0, esPhase: 1, source: 'lv_volume_curve' });
    expect(body.measures.lv.edv).toBeCloseTo(2 * 16 * voxelMl, 9);
    expect(body.measures.lv.esv).toBeCloseTo(2 * 4 * voxelMl, 9);
    expect(body.measures.lvMassEd).toBeCloseTo(2 * (36 - 16) * voxelMl * 1.05, 9);
    expect(body.measures.conventions).toMatchObject({ papillaryMuscles: 'excluded_from_cavity', basalSliceRule: 'all_contoured_slices', sliceSpacing: 2 });

    const moved = await h.server.app.inject({ method: 'PUT', url: `/api/annotations/${annotationId}/cardiac/phases`, headers, payload: { edPhase: 1, esPhase: 0 } });
    expect(moved.json()).toMatchObject({ edPhase: 1, esPhase: 0, source: 'reader', setBy: h.seeded.userId });
    const bad = await h.server.app.inject({ method: 'PUT', url: `/api/annotations/${annotationId}/cardiac/phases`, headers, payload: { edPhase: 1, esPhase: 1 } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().code).toBe('DLN_CARDIAC_PHASE_INVALID');
  });

  it('exports the labels as 4-D NIfTI in the map asked for, and refuses a request without one', async () => {
    const nifti = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/cardiac/nifti?map=acdc`, headers });
    expect(nifti.statusCode, nifti.body).toBe(200);
    const raw = gunzipSync(nifti.rawPayload);
    const view = new DataView(raw.buffer, raw.byteOffset);
    expect([view.getInt16(40, true), view.getInt16(46, true), view.getInt16(48, true)]).toEqual([4, 2, 2]);
    expect(raw.subarray(328, 332).toString('latin1')).toBe('acdc');
    // The centre of slice 0 at ED is LV: 3 in ACDC.
    expect(raw[352 + 5 * 16 + 5]).toBe(3);
    const unnamed = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/cardiac/nifti`, headers });
    expect(unnamed.statusCode).toBe(400);
  });

  it('compares readers of the cine (one reader: no pairs yet)', async () => {
    const answer = await h.server.app.inject({ method: 'GET', url: `/api/items/${h.seeded.itemId}/cardiac/agreement`, headers });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toEqual({ pairs: [] });
  });

  it('refuses cardiac reads of an item that is not a cine', async () => {
    await h.database.db.updateTable('items').set({ kind: 'series_volume' }).where('id', '=', h.seeded.itemId).execute();
    const answer = await h.server.app.inject({ method: 'GET', url: `/api/items/${h.seeded.itemId}/cine`, headers });
    expect(answer.statusCode).toBe(409);
    expect(answer.json().code).toBe('DLN_CARDIAC_NOT_CINE');
  });
});
