import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue, testing } from '@delineate/store';
import { openTestSession } from '../access';
import { startHarness, type Harness } from '../test/harness';

describe.each(testing.testDatabaseKinds().run)('quarantine routes on %s', (kind) => {
  let h: Harness;
  let recordId: string;
  let steward: Record<string, string>;
  let annotator: Record<string, string>;
  const view = new TextEncoder().encode('DICM view bytes');
  // Findings as the gate stores them, plus an older record's and a stage's free text that must not reach the steward.
  const storedFindings = [
    { stage: 'pixel', kind: 'burned-in-text', frame: 0, region: { x: 4, y: 8, width: 100, height: 20, frame: 0, source: 'ocr' }, detail: 'JOHN SMITH 1961' },
    { stage: 'verifier', kind: 'residual-identifier', where: '0040a730[0].0040a160 TextValue', encoding: 'ascii' },
    { stage: 'verifier', kind: 'residual-identifier', where: 'Smithson^Alice', encoding: 'ascii' },
    { stage: 'verifier', kind: 'new-iod-error', where: 'Error - </OverlayData(6000,3000)> - Missing attribute for Type # Required - Module=<OverlayPlane>' },
    { stage: 'pixel', kind: 'burned-in-annotation-flag', detail: 'BurnedInAnnotation is YES' },
  ];

  beforeAll(async () => {
    h = await startHarness(kind);
    const runtime = h.server.app.accessRuntime;
    steward = (await openTestSession(runtime, h.seeded.userId, { grant: { projectId: h.seeded.projectId, roles: ['data_steward'] } })).headers;
    const other = await runtime.repo.createUser({ username: `annotator-${crypto.randomUUID()}`, displayName: 'A', now: new Date() });
    annotator = (await openTestSession(runtime, other.id, { grant: { projectId: h.seeded.projectId, roles: ['annotator'] } })).headers;
    const { hash } = await h.server.context.blobs.put(view);
    const base = { project_id: h.seeded.projectId, profile: 'basic', options: '[]', actions: '[]', pixel_regions: '[]', created_at: new Date() };
    const rows = await h.database.db
      .insertInto('deid_records')
      .values([
        { ...base, source_hash: 'a'.repeat(64), output_hash: hash, findings: JSON.stringify(storedFindings), status: 'quarantined' },
        { ...base, source_hash: 'b'.repeat(64), output_hash: hash, findings: '[]', status: 'quarantined' },
        { ...base, source_hash: 'b'.repeat(64), output_hash: 'c'.repeat(64), findings: '[]', status: 'passed' },
      ])
      .returning('id')
      .execute();
    recordId = rows[0]!.id;
  });
  afterAll(async () => h?.close());

  it('lists only unresolved quarantined files, to data stewards only', async () => {
    const res = await h.server.app.inject({ method: 'GET', url: `/api/projects/${h.seeded.projectId}/quarantine`, headers: steward });
    expect(res.statusCode).toBe(200);
    expect(res.json().map((r: { id: string }) => r.id)).toEqual([recordId]);
    expect(res.json()[0]).toMatchObject({ hasView: true });
    // Every reason names its element or pixel region; no value (recognised text, a name) is shown.
    expect(res.json()[0].findings).toEqual([
      { stage: 'pixel', kind: 'burned-in-text', where: '7fe00010 PixelData frame 0', frame: 0, region: { x: 4, y: 8, width: 100, height: 20, frame: 0 } },
      { stage: 'verifier', kind: 'residual-identifier', where: '0040a730[0].0040a160 TextValue' },
      { stage: 'verifier', kind: 'residual-identifier', where: 'output' },
      { stage: 'verifier', kind: 'new-iod-error', where: 'Error - </OverlayData(6000,3000)> - Missing attribute for Type # Required - Module=<OverlayPlane>' },
      { stage: 'pixel', kind: 'burned-in-annotation-flag', where: '00280301 BurnedInAnnotation' },
    ]);
    expect(res.body).not.toMatch(/SMITH|Smithson/i);
    const denied = await h.server.app.inject({ method: 'GET', url: `/api/projects/${h.seeded.projectId}/quarantine`, headers: annotator });
    expect(denied.statusCode).toBe(403);
    expect(denied.body).not.toContain(recordId);
  });

  it('serves the de-identified view of a quarantined file to a steward', async () => {
    const res = await h.server.app.inject({ method: 'GET', url: `/api/deid-records/${recordId}/view`, headers: steward });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/dicom');
    expect(Buffer.compare(res.rawPayload, Buffer.from(view))).toBe(0);
    expect((await h.server.app.inject({ method: 'GET', url: `/api/deid-records/${recordId}/view`, headers: annotator })).statusCode).toBe(403);
  });

  it('shows the re-identification key to data stewards only', async () => {
    const { hash } = await h.server.context.blobs.put(new TextEncoder().encode(JSON.stringify({ salt: 'x', patientId: 'MRN-7', issuerOfPatientId: null, patientName: 'Doe^Jane' })));
    await h.database.db.insertInto('subject_identities').values({ project_id: h.seeded.projectId, pseudonym: 'P-TEST', identity_blob_hash: hash, created_at: new Date() }).execute();
    const res = await h.server.app.inject({ method: 'GET', url: `/api/projects/${h.seeded.projectId}/subject-identities`, headers: steward });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([{ pseudonym: 'P-TEST', patientId: 'MRN-7', issuerOfPatientId: null, patientName: 'Doe^Jane' }]);
    const denied = await h.server.app.inject({ method: 'GET', url: `/api/projects/${h.seeded.projectId}/subject-identities`, headers: annotator });
    expect(denied.statusCode).toBe(403);
    expect(denied.body).not.toContain('MRN-7');
  });

  it('queues a redaction in the project region with ids and rectangles only', async () => {
    const res = await h.server.app.inject({
      method: 'POST',
      url: `/api/deid-records/${recordId}/redactions`,
      headers: { ...steward, 'content-type': 'application/json' },
      payload: { regions: [{ x: 0, y: 0, width: 1024, height: 24 }] },
    });
    expect(res.statusCode).toBe(202);
    const job = await new JobQueue(h.database.db).get(res.json().jobId);
    expect(job).toMatchObject({ kind: 'deid.redact', region: 'local', payload: { projectId: h.seeded.projectId, recordId, regions: [{ x: 0, y: 0, width: 1024, height: 24 }] } });
    const invalid = await h.server.app.inject({
      method: 'POST',
      url: `/api/deid-records/${recordId}/redactions`,
      headers: { ...steward, 'content-type': 'application/json' },
      payload: { regions: [] },
    });
    expect(invalid.statusCode).toBe(400);
    const passed = await h.server.app.inject({
      method: 'POST',
      url: `/api/deid-records/${crypto.randomUUID()}/redactions`,
      headers: { ...steward, 'content-type': 'application/json' },
      payload: { regions: [{ x: 0, y: 0, width: 1, height: 1 }] },
    });
    expect(passed.statusCode).toBe(404);
  });
});
