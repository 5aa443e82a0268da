import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRle8, ellipseContour, fundusMeasures, fundusPairAgreement, verticalCdr } from '@delineate/core';
import { decodePng } from '@delineate/formats';
import { testing } from '@delineate/store';
import { openTestSession } from '../../access';
import { asUser } from '../../test/auth';
import { startHarness, type Harness } from '../../test/harness';
import { seedFundusProject, type FundusBed } from './fundus-bed';

const kinds = testing.testDatabaseKinds();

describe.each(kinds.run)('fundus routes on %s', (kind) => {
  let h: Harness;
  let bed: FundusBed;
  const inject = (method: 'GET' | 'POST', url: string, body?: unknown, extra: Record<string, string> = {}) =>
    h.server.app.inject({ method, url, headers: { ...bed.headers, ...(body ? { 'content-type': 'application/json' } : {}), ...extra }, ...(body ? { payload: JSON.stringify(body) } : {}) });
  const newAnnotation = async () => {
    const item = (await inject('GET', `/api/items/${bed.itemId}`)).json();
    const created = await inject('POST', `/api/items/${bed.itemId}/annotations`, { labelSchema: { id: item.labelSchema.id, version: item.labelSchema.version } });
    expect(created.statusCode).toBe(201);
    return created.json().id as string;
  };

  beforeAll(async () => {
    h = await startHarness(kind);
    bed = await seedFundusProject(h, { laterality: 'OD', pixelSpacingMm: [0.01, 0.01] });
  });
  afterAll(async () => h?.close());

  it('opens the photo item: kind, size, eye, spacing, and PNG levels of its pixels', async () => {
    const item = await inject('GET', `/api/items/${bed.itemId}`);
    expect(item.statusCode).toBe(200);
    expect(item.json()).toMatchObject({ kind: 'photo', grid: { rows: 160, columns: 200, slices: 1 } });
    const photo = (await inject('GET', `/api/items/${bed.itemId}/photo`)).json();
    expect(photo).toEqual({ itemId: bed.itemId, width: 200, height: 160, laterality: 'OD', pixelSpacingMm: [0.01, 0.01], levels: 1 });
    const image = await inject('GET', `/api/items/${bed.itemId}/photo/image?level=0`);
    expect(image.headers['content-type']).toBe('image/png');
    const pixels = decodePng(new Uint8Array(image.rawPayload));
    expect(Buffer.from(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength).equals(Buffer.from(bed.fundus.pixels.data))).toBe(true);
    expect((await inject('GET', `/api/items/${bed.itemId}/photo/image?level=3`)).json()).toMatchObject({ code: 'DLN_REQUEST_INVALID' });
  });

  it('saves disc and cup contours as a revision and answers the measures of the stored mask', async () => {
    const annotationId = await newAnnotation();
    const { disc, cup, fovea } = bed.fundus;
    const body = {
      disc: { tool: 'ellipse', points: ellipseContour(disc.centre, disc.radii) },
      cup: { tool: 'freehand', points: ellipseContour(cup.centre, cup.radii, 40) },
      fovea: [fovea[0], fovea[1]],
    };
    const saved = await inject('POST', `/api/annotations/${annotationId}/fundus`, body, { 'if-match': '0' });
    expect(saved.statusCode).toBe(201);
    const view = saved.json();
    expect(view.version).toBe(1);
    // What the server measured equals what core measures on the mask the store gives back.
    const mask = await inject('GET', `/api/annotations/${annotationId}/revisions/1/mask`);
    const decoded = decodeRle8(new Uint8Array(mask.rawPayload), 200 * 160);
    if (!decoded.ok) throw new Error(decoded.reason);
    const expected = fundusMeasures({ width: 200, height: 160, data: decoded.voxels }, { disc: 1, cup: 2 }, 'OD', [0.01, 0.01]);
    const refuge = view.measures.cdr.find((c: { convention: string }) => c.convention === 'refuge');
    expect(refuge).toMatchObject({ name: 'REFUGE', vertical: verticalCdr(expected, 'refuge') });
    expect(view.measures.cdr.map((c: { name: string }) => c.name)).toEqual(['REFUGE', 'Extent ratio', 'Ellipse fit']);
    expect(view.measures.discAreaMm2).toBeCloseTo(expected.discAreaMm2!, 9);
    expect(view.measures.rim.map((r: { sector: string }) => r.sector)).toEqual(['inferior', 'superior', 'nasal', 'temporal']);
    const again = (await inject('GET', `/api/annotations/${annotationId}/revisions/1/fundus`)).json();
    expect(again).toEqual(view);
  });

  it('refuses a cup reaching outside the disc in words, with its code, and writes nothing', async () => {
    const annotationId = await newAnnotation();
    const { disc } = bed.fundus;
    const outside = [disc.centre[0] + disc.radii[0], disc.centre[1]] as const;
    const res = await inject(
      'POST',
      `/api/annotations/${annotationId}/fundus`,
      { disc: { tool: 'ellipse', points: ellipseContour(disc.centre, disc.radii) }, cup: { tool: 'ellipse', points: ellipseContour(outside, [8, 8]) }, fovea: null },
      { 'if-match': '0' },
    );
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'DLN_FUNDUS_CUP_OUTSIDE_DISC' });
    expect(res.json().message).toMatch(/cup must lie inside the disc/);
    const annotation = (await inject('GET', `/api/annotations/${annotationId}`)).json();
    expect(annotation.headVersion).toBe(0);
    const rows = await h.database.db.selectFrom('revisions').select('version').where('annotation_id', '=', annotationId).execute();
    expect(rows).toEqual([]);
  });

  it('keeps the If-Match rule: a save on a stale head is refused', async () => {
    const annotationId = await newAnnotation();
    const { disc, cup } = bed.fundus;
    const body = { disc: { tool: 'ellipse', points: ellipseContour(disc.centre, disc.radii) }, cup: { tool: 'ellipse', points: ellipseContour(cup.centre, cup.radii) }, fovea: null };
    expect((await inject('POST', `/api/annotations/${annotationId}/fundus`, body, { 'if-match': '0' })).statusCode).toBe(201);
    const stale = await inject('POST', `/api/annotations/${annotationId}/fundus`, body, { 'if-match': '0' });
    expect(stale.statusCode).toBe(412);
  });

  it('answers in words when a CT item is opened as a photograph', async () => {
    const headers = await asUser(h, h.seeded.userId);
    const res = await h.server.app.inject({ method: 'GET', url: `/api/items/${h.seeded.itemId}/photo`, headers });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'DLN_FUNDUS_NOT_A_PHOTO', message: 'This item is not a fundus photograph' });
  });

  it('reports two readers’ disc and cup agreement and the vCDR Bland–Altman, equal to core on the stored masks', async () => {
    const { disc, cup } = bed.fundus;
    const first = await newAnnotation();
    const second = await newAnnotation();
    const save = (id: string, cupRadii: readonly [number, number]) =>
      inject('POST', `/api/annotations/${id}/fundus`, { disc: { tool: 'ellipse', points: ellipseContour(disc.centre, disc.radii) }, cup: { tool: 'ellipse', points: ellipseContour(cup.centre, cupRadii) }, fovea: null }, { 'if-match': '0' });
    expect((await save(first, cup.radii)).statusCode).toBe(201);
    expect((await save(second, [cup.radii[0], cup.radii[1] - 3])).statusCode).toBe(201);
    const reviewer = await openTestSession(h.server.app.accessRuntime, h.seeded.userId, { grant: { projectId: bed.projectId, roles: ['reviewer'] } });
    const res = await h.server.app.inject({ method: 'GET', url: `/api/projects/${bed.projectId}/fundus/agreement`, headers: reviewer.headers });
    expect(res.statusCode).toBe(200);
    const report = res.json();
    const pair = report.pairs.find((p: { a: { annotationId: string }; b: { annotationId: string } }) => p.a.annotationId === first && p.b.annotationId === second);
    expect(pair).toBeDefined();
    const read = async (id: string) => {
      const mask = await inject('GET', `/api/annotations/${id}/revisions/1/mask`);
      const decoded = decodeRle8(new Uint8Array(mask.rawPayload), 200 * 160);
      if (!decoded.ok) throw new Error(decoded.reason);
      return { width: 200, height: 160, data: decoded.voxels };
    };
    const expected = fundusPairAgreement(await read(first), await read(second), { disc: 1, cup: 2 }, [0.01, 0.01]);
    expect(pair.disc.dice).toBe(1);
    expect(pair.cup.dice).toBeCloseTo(expected.cup.dice, 12);
    expect(pair.cup.hd95Px).toBeCloseTo(expected.cup.hd95Px, 12);
    expect(pair.cup.hd95Mm).toBeCloseTo(expected.cup.hd95Mm!, 12);
    const refuge = pair.vcdr.find((v: { convention: string }) => v.convention === 'refuge');
    expect(refuge.absoluteDifference).toBeGreaterThan(0);
    expect(refuge.absoluteDifference).toBeCloseTo(expected.absoluteVcdrDifference.find((d) => d.convention === 'refuge')!.value, 12);
    const ba = report.blandAltman.find((b: { convention: string }) => b.convention === 'refuge');
    expect(ba.n).toBe(report.pairs.length);
    expect(ba.upperLimit).toBeGreaterThanOrEqual(ba.bias);
  });
});
