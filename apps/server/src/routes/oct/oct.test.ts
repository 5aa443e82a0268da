import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AScanState, boundaryIndex, decodeBoundarySet, emptyBoundarySet, encodeBoundarySet, encodeRle8, octBoundaries, setAbsent, setHeight, type BoundarySet } from '@delineate/core';
import { AccessRepository, OctRepository } from '@delineate/store';
import { startHarness, type Harness } from '../../test/harness';
import { asUser } from '../../test/auth';

/** The harness item (16 × 16 × 4) registered as an OCT volume: 4 B-scans of 16 A-scans, 16 rows. */
const geometry = { bscans: 4, ascans: 16, rows: 16, ascanSpacingUm: 12, bscanSpacingUm: 120, axialUmPerPixel: 3.9, laterality: 'OD' as const };

function reader(shift: number, ezAbsentFrom: number): BoundarySet {
  const set = emptyBoundarySet(geometry.bscans, geometry.ascans);
  for (let s = 0; s < geometry.bscans; s++) {
    for (let a = 0; a < geometry.ascans; a++) {
      setHeight(set, boundaryIndex('ILM'), s, a, 2 + shift * ((a % 3) / 2));
      if (a >= ezAbsentFrom && s === 1) setAbsent(set, boundaryIndex('EZ'), s, a);
      else setHeight(set, boundaryIndex('EZ'), s, a, 9 + shift * (s / 4));
      setHeight(set, boundaryIndex('BM'), s, a, 13);
    }
  }
  return set;
}

describe('OCT API', () => {
  let h: Harness;
  let first: Record<string, string>;
  let second: Record<string, string>;

  beforeAll(async () => {
    h = await startHarness('pglite');
    const item = await h.database.db.selectFrom('items').select('series_id').where('id', '=', h.seeded.itemId).executeTakeFirstOrThrow();
    await new OctRepository(h.database.db, h.server.context.blobs, () => new Date()).registerVolume(item.series_id!, geometry, 'dicom');
    const other = await new AccessRepository(h.database.db).createUser({ username: `reader-${crypto.randomUUID()}`, displayName: 'Second Reader', now: new Date() });
    first = await asUser(h, h.seeded.userId);
    second = await asUser(h, other.id);
  }, 120_000);
  afterAll(async () => h?.close());

  const start = async (headers: Record<string, string>) =>
    (await h.server.app.inject({ method: 'POST', url: `/api/items/${h.seeded.itemId}/annotations`, headers, payload: { labelSchema: h.seeded.labelSchema } })).json().id as string;
  const save = (headers: Record<string, string>, annotationId: string, set: BoundarySet, ifMatch = '"0"') =>
    h.server.app.inject({
      method: 'POST',
      url: `/api/annotations/${annotationId}/oct/boundaries`,
      headers: { ...headers, 'content-type': 'application/octet-stream', 'if-match': ifMatch },
      payload: Buffer.from(encodeBoundarySet(set)),
    });

  it('gives the volume in µm, refuses out-of-order boundaries with the B-scan named, and exports heights', async () => {
    const volume = await h.server.app.inject({ method: 'GET', url: `/api/items/${h.seeded.itemId}/oct`, headers: first });
    expect(volume.statusCode, volume.body).toBe(200);
    expect(volume.json()).toMatchObject({ ascanSpacingUm: 12, bscanSpacingUm: 120, axialUmPerPixel: 3.9, laterality: 'OD', fovea: null });

    const annotationId = await start(first);
    const crossed = reader(0, 99);
    setHeight(crossed, boundaryIndex('EZ'), 3, 5, 13.5);
    const refused = await save(first, annotationId, crossed);
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'DLN_OCT_BOUNDARY_ORDER', upper: 'EZ', lower: 'BM', bscan: 3, ascan: 5 });
    expect((await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/oct/boundaries`, headers: first })).json()).toEqual({ revisions: [] });
    expect(refused.json().message).toContain('B-scan 4');

    const saved = await save(first, annotationId, reader(0, 99));
    expect(saved.statusCode, saved.body).toBe(201);
    expect(saved.json().revision.version).toBe(1);
    // ILM at 2 and BM at 13 everywhere: 11 px of 3.9 µm.
    expect(saved.json().measures.retina.meanUm).toBeCloseTo(42.9, 4);

    const csv = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/oct/boundaries/1/export?format=csv`, headers: first });
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.trim().split('\n');
    expect(lines).toHaveLength(1 + octBoundaries.length * 4 * 16);
    expect(lines[1]).toBe('ILM,99DLNOCT,B01,0,0,value,2.0000,7.800');
    expect(lines[2 * 64 + 1]).toBe('GCL_IPL,99DLNOCT,B03,0,0,not_annotated,,');
    const json = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/oct/boundaries/1/export?format=json`, headers: first });
    expect(json.json().boundaries[0].bscans[0].heightUm[0]).toBeCloseTo(7.8, 9);
  });

  it('reports boundary error in µm equal to the value computed from the two stored height arrays', async () => {
    const a = await start(first);
    const b = await start(second);
    expect((await save(first, a, reader(0, 12))).statusCode).toBe(201);
    expect((await save(second, b, reader(1, 14))).statusCode).toBe(201);
    const stored = await Promise.all(
      [a, b].map(async (id, i) => {
        const res = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${id}/oct/boundaries/1`, headers: i === 0 ? first : second });
        const decoded = decodeBoundarySet(new Uint8Array(res.rawPayload));
        if (!decoded.ok) throw new Error(decoded.reason);
        return decoded.set;
      }),
    );
    const agreement = await h.server.app.inject({ method: 'GET', url: `/api/projects/${h.seeded.projectId}/oct/agreement`, headers: first });
    expect(agreement.statusCode, agreement.body).toBe(200);
    const item = agreement.json().items.find((i: { itemId: string }) => i.itemId === h.seeded.itemId);
    const pair = item.pairs.find((p: { a: { annotationId: string } }) => p.a.annotationId === a);
    const ez = boundaryIndex('EZ');
    const plane = geometry.bscans * geometry.ascans;
    let sum = 0;
    let signed = 0;
    let n = 0;
    let graded = 0;
    let oneAbsent = 0;
    for (let i = ez * plane; i < (ez + 1) * plane; i++) {
      const [sa, sb] = [stored[0]!.states[i], stored[1]!.states[i]];
      graded += 1;
      if ((sa === AScanState.absent) !== (sb === AScanState.absent)) oneAbsent += 1;
      if (sa !== AScanState.value || sb !== AScanState.value) continue;
      const error = (stored[0]!.heights[i]! - stored[1]!.heights[i]!) * geometry.axialUmPerPixel;
      sum += Math.abs(error);
      signed += error;
      n += 1;
    }
    const ezPair = pair.boundaries.find((r: { boundary: string }) => r.boundary === 'EZ');
    expect(ezPair.comparedAScans).toBe(n);
    expect(ezPair.meanAbsoluteErrorUm).toBeCloseTo(sum / n, 9);
    expect(ezPair.meanSignedErrorUm).toBeCloseTo(signed / n, 9);
    // A-scans 12 and 13 of B-scan 1: the first reader says absent, the second gives a value.
    expect(oneAbsent).toBe(2);
    expect(ezPair.absentDisagreement).toBeCloseTo(oneAbsent / graded, 12);
    expect(pair.boundaries.find((r: { boundary: string }) => r.boundary === 'GCL_IPL').comparedAScans).toBe(0);
  });

  it('gives fluid volumes in mm³ and fluid Dice and volume difference between readers', async () => {
    const a = await start(first);
    const b = await start(second);
    await save(first, a, reader(0, 99));
    await save(second, b, reader(0, 99));
    const voxels = geometry.bscans * geometry.rows * geometry.ascans;
    const maskA = new Uint8Array(voxels);
    const maskB = new Uint8Array(voxels);
    maskA.fill(1, 100, 110); // 10 voxels of label 1
    maskB.fill(1, 105, 111); // 6 voxels, 5 shared
    const saveMask = (headers: Record<string, string>, id: string, mask: Uint8Array) =>
      h.server.app.inject({ method: 'POST', url: `/api/annotations/${id}/revisions`, headers: { ...headers, 'content-type': 'application/octet-stream', 'if-match': '"0"' }, payload: Buffer.from(encodeRle8(mask)) });
    expect((await saveMask(first, a, maskA)).statusCode).toBe(201);
    expect((await saveMask(second, b, maskB)).statusCode).toBe(201);
    const voxelMm3 = (12 * 3.9 * 120) / 1e9;
    const fluid = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${a}/oct/fluid`, headers: first });
    expect(fluid.statusCode, fluid.body).toBe(200);
    expect(fluid.json().volumes).toHaveLength(1);
    expect(fluid.json().volumes[0].mm3).toBeCloseTo(10 * voxelMm3, 15);
    const agreement = await h.server.app.inject({ method: 'GET', url: `/api/projects/${h.seeded.projectId}/oct/agreement`, headers: first });
    const item = agreement.json().items.find((i: { itemId: string }) => i.itemId === h.seeded.itemId);
    const pair = item.pairs.find((p: { a: { annotationId: string }; b: { annotationId: string } }) => p.a.annotationId === a && p.b.annotationId === b);
    expect(pair.fluid).toEqual([{ label: 1, dice: (2 * 5) / 16, volumeDifferenceMm3: expect.closeTo(4 * voxelMm3, 15) }]);
  });

  it('takes a save sent as the boundary media type the route names (the workspace sends it so)', async () => {
    const annotationId = await start(first);
    const saved = await h.server.app.inject({
      method: 'POST',
      url: `/api/annotations/${annotationId}/oct/boundaries`,
      headers: { ...first, 'content-type': 'application/vnd.delineate.oct-boundaries', 'if-match': '"0"' },
      payload: Buffer.from(encodeBoundarySet(reader(0, 99))),
    });
    expect(saved.statusCode, saved.body).toBe(201);
    expect(saved.json().revision.version).toBe(1);
  });
});
