import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRle8, gridOf } from '@delineate/core';
import { encodeNifti, writeSegmentation, type SegWriteInput } from '@delineate/formats';
import { testing } from '@delineate/store';
import { startHarness, type Harness } from '../test/harness';
import { asUser } from '../test/auth';

const kinds = testing.testDatabaseKinds();

describe.each(kinds.run)('mask import API on %s', (kind) => {
  let h: Harness;
  let annotationId: string;
  let headers: Record<string, string>;
  // The harness item: 16 × 16 × 4 at 0.8 × 0.8 × 2 mm from the origin, axial.
  const labels = new Uint8Array(16 * 16 * 4);
  for (let i = 0; i < labels.length; i += 1) labels[i] = i % 11 === 0 ? 2 : i % 5 === 0 ? 1 : 0;

  function segOnItem(shift = 0): Uint8Array {
    const input: SegWriteInput = {
      segmentationType: 'BINARY',
      source: {
        studyInstanceUid: '2.25.5',
        seriesInstanceUid: '2.25.6',
        frameOfReferenceUid: '2.25.7',
        patientStudy: { patientName: 'P-TEST', patientId: 'P-TEST' },
        rows: 16,
        columns: 16,
        pixelSpacing: [0.8, 0.8],
        orientation: [1, 0, 0, 0, 1, 0],
        slices: [0, 1, 2, 3].map((k) => ({ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: `2.25.9${k}`, position: [shift, 0, 2 * k] as const })),
      },
      segments: [
        { number: 1, label: 'Liver', category: { scheme: 'SCT', value: '123037004', meaning: 'Anatomical Structure' }, type: { scheme: 'SCT', value: '10200004', meaning: 'Liver' }, algorithmType: 'MANUAL' },
        { number: 2, label: 'Lesion', category: { scheme: 'SCT', value: '49755003', meaning: 'Morphologically Altered Structure' }, type: { scheme: 'SCT', value: '300331000', meaning: 'Lesion of liver' }, algorithmType: 'MANUAL' },
      ],
      labels,
      series: { seriesInstanceUid: '2.25.10', sopInstanceUid: '2.25.11', seriesNumber: 1, instanceNumber: 1, contentDate: '20260101', contentTime: '000000', manufacturer: 'Other tool', manufacturerModelName: 'x', deviceSerialNumber: 'x', softwareVersions: '1' },
    };
    return writeSegmentation(input);
  }

  const post = (body: Uint8Array, type: string, ifMatch = '0') =>
    h.server.app.inject({ method: 'POST', url: `/api/annotations/${annotationId}/import`, headers: { ...headers, 'content-type': type, 'if-match': ifMatch }, payload: Buffer.from(body) });

  beforeAll(async () => {
    h = await startHarness(kind);
    headers = await asUser(h, h.seeded.userId);
    const created = await h.server.app.inject({ method: 'POST', url: `/api/items/${h.seeded.itemId}/annotations`, headers, payload: { labelSchema: h.seeded.labelSchema } });
    annotationId = created.json().id;
  });
  afterAll(async () => h?.close());

  it('imports a DICOM SEG on the item grid as an audited revision with source import', async () => {
    const res = await post(segOnItem(), 'application/dicom');
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.revision).toMatchObject({ version: 1, source: 'import' });
    expect(body.format).toBe('dicom-seg');
    const count = (v: number) => labels.reduce((n, x) => n + (x === v ? 1 : 0), 0);
    expect(body.segments).toEqual([
      { fileSegment: 1, labelKey: 'liver', labelValue: 1, voxels: count(1) },
      { fileSegment: 2, labelKey: 'liver_lesion', labelValue: 2, voxels: count(2) },
    ]);
    const mask = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/1/mask`, headers });
    const decoded = decodeRle8(new Uint8Array(mask.rawPayload), labels.length);
    expect(decoded.ok && Buffer.compare(decoded.voxels, labels)).toBe(0);
    await h.server.app.accessRuntime.auditSettled();
    const events = await h.server.app.accessRuntime.audit.range(new Date(0), new Date(Date.now() + 60_000));
    expect(events.some((e) => e.action === 'annotation.import' && e.outcome === 'success' && e.actorId === h.seeded.userId)).toBe(true);
  });

  it('imports a NIfTI label map (application/gzip) on the same grid as the next revision', async () => {
    const values = labels.map((v) => (v === 2 ? 1 : v === 1 ? 2 : 0));
    // Item voxel → RAS: x and y negated from the LPS geometry (origin 0, spacing 0.8 × 0.8 × 2).
    const affine = [-0.8, 0, 0, 0, 0, -0.8, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1];
    const nifti = encodeNifti({ grid: gridOf([16, 16, 4], [0.8, 0.8, 2]), data: values, affine }, { gzip: true });
    const res = await post(nifti, 'application/gzip', '1');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ format: 'nifti', revision: { version: 2, parentVersion: 1, source: 'import' } });
    const mask = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}/revisions/2/mask`, headers });
    const decoded = decodeRle8(new Uint8Array(mask.rawPayload), values.length);
    expect(decoded.ok && Buffer.compare(decoded.voxels, values)).toBe(0);
  });

  it('refuses an off-grid SEG, another media type and a stale If-Match with coded errors', async () => {
    const off = await post(segOnItem(0.4), 'application/dicom', '2');
    expect(off.statusCode).toBe(422);
    expect(off.json().code).toBe('DLN_IMPORT_OFF_GRID');
    const json = await post(segOnItem(), 'text/plain', '2');
    expect(json.statusCode).toBe(415);
    const stale = await post(segOnItem(), 'application/dicom', '1');
    expect(stale.statusCode).toBe(412);
    const head = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}`, headers });
    expect(head.json().headVersion).toBe(2);
  });

  it('reviews an RT Structure Set before import and checks the chosen ROI labels, writing nothing', async () => {
    // A SEG is no structure set: the review refuses it in words.
    const review = await h.server.app.inject({ method: 'POST', url: `/api/annotations/${annotationId}/import/rtstruct-review`, headers: { ...headers, 'content-type': 'application/dicom' }, payload: Buffer.from(segOnItem()) });
    expect(review.statusCode).toBe(422);
    expect(review.json().code).toMatch(/^DLN_RTSTRUCT_/);
    const badChoice = await h.server.app.inject({
      method: 'POST',
      url: `/api/annotations/${annotationId}/import?roiLabels=three:liver`,
      headers: { ...headers, 'content-type': 'application/dicom', 'if-match': '"2"' },
      payload: Buffer.from(segOnItem()),
    });
    expect(badChoice.statusCode).toBe(400);
    const head = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}`, headers });
    expect(head.json().headVersion).toBe(2);
  });
});
