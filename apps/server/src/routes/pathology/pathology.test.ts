import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRle8 } from '@delineate/core';
import { pathologyLabelSchema, pathologyReviewProtocol, type QualificationKind, type Role, type WorkflowConfig } from '@delineate/schema';
import { BlobKey, DeidRecordRepository, ItemRepository, LabelSchemaRepository, LocalBlobStore, ProjectRepository, ReviewProtocolRepository, testing, type Database, type DatabaseKind } from '@delineate/store';
import { testHasher } from '../../access/test/fixtures';
import { configFromEnv } from '../../config';
import { createServer, type DelineateServer } from '../../server';
import { callAs } from '../../test/harness';

/**
 * Issue 17 through the HTTP API: a region drawn on a 0.25 µm/px slide becomes two blinded 40×
 * reader tasks with fields; saves outside the zoom band or the region are refused; fields become
 * seen and done; two readers mark mitotic figures and the agreement F1 equals the hand value; the
 * boundary band of a two-class mask has the known fields and signing waits until all are seen.
 */

const PASSWORD = 'correct horse battery staple';
// A trapezoid: the left edge runs from (1000, 1000) down to (1400, 2600). Bounds 2000 × 1600 px.
const POLYGON: Array<[number, number]> = [[1000, 1000], [3000, 1000], [3000, 2600], [1400, 2600]];
const W = 2000, H = 1600;
const inside = (x: number, y: number) => x + 0.5 >= 400 * ((y + 0.5) / 1600);

const kinds = testing.testDatabaseKinds();

describe.each(kinds.run)('pathology workflow on %s', (kind: DatabaseKind) => {
  let dir: string;
  let database: Database;
  let blobs: LocalBlobStore;
  let server: DelineateServer;
  const users: Record<string, string> = {};
  let projectId: string;
  let slideItemId: string;
  let labelSchema: { id: string; version: number };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-pathology-'));
    database = await testing.createTestDatabase(kind);
    blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
    const config = configFromEnv({ DELINEATE_DATA: dir, DELINEATE_LOG_LEVEL: 'silent' }, { port: 0, webRoot: join(dir, 'no-web') });
    server = await createServer({ config, database, blobs, clock: () => new Date() });
    const db = database.db;
    const schema = await new LabelSchemaRepository(db).create(pathologyLabelSchema);
    const protocol = await new ReviewProtocolRepository(db).create(pathologyReviewProtocol);
    labelSchema = { id: schema.id, version: schema.version };
    const project = await new ProjectRepository(db).create({
      name: `pathology-${kind}`,
      modality: 'SM',
      oversightModel: 'direct_clinical',
      region: 'local',
      purpose: 'Pathology workflow test on a synthetic slide.',
      legalBasis: 'legitimate_interest',
      labelSchema,
      reviewProtocol: { id: protocol.id, version: protocol.version },
      agreementSampling: { fraction: 1, readersPerItem: 2, blinded: true },
      deid: { profile: 'basic', options: [] },
    });
    projectId = project.id;
    const repo = server.app.accessRuntime.repo;
    const now = new Date();
    const hash = await testHasher.hash(PASSWORD);
    const person = async (name: string, role: Role, qualification: QualificationKind) => {
      const user = await repo.createUser({ username: `${name}-${crypto.randomUUID().slice(0, 6)}`, displayName: name, now });
      await repo.addMembership({ userId: user.id, projectId, role, grantedBy: null, now });
      await repo.addQualification({ userId: user.id, kind: qualification, modality: null, verifiedBy: null, validUntil: null, now });
      await repo.setPasswordHash(user.id, hash, now);
      users[name] = user.id;
    };
    await person('admin', 'project_admin', 'clinician');
    await person('path1', 'clinician_annotator', 'pathologist');
    await person('path2', 'clinician_annotator', 'pathologist');
    // A clinician annotator without a pathology qualification: the template's qualification rule leaves them out.
    await person('clinician', 'clinician_annotator', 'clinician');
    await person('expert', 'expert_reviewer', 'pathologist');

    const items = new ItemRepository(db);
    const subject = await items.createSubject({ projectId, pseudonym: `PATH-${kind}`, ageBand: 'unknown', sex: 'unknown' });
    const pyramid = (await blobs.put(new TextEncoder().encode(`slide pyramid ${kind}`))).hash;
    await new DeidRecordRepository(db).record({ projectId, sourceHash: pyramid.replace(/^./, 'a'), outputHash: pyramid, profile: 'basic', options: [], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
    const slide = await db
      .insertInto('slides')
      .values({ subject_id: subject.id, stain: 'HE', scanner: null, width: 8000, height: 8000, mpp: 0.25, pyramid_hash: pyramid, levels: '[]' })
      .returning('id')
      .executeTakeFirstOrThrow();
    slideItemId = (await items.createItem({ projectId, subjectId: subject.id, target: { kind: 'slide_region', slideId: slide.id, region: { x: 0, y: 0, width: 8000, height: 8000 } } })).id;
  }, 120_000);

  afterAll(async () => {
    await server?.app.close();
    await blobs?.close();
    await database?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const call = (user: string, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, extra: Record<string, string> = {}) => callAs(server, users[user]!, method, url, body, extra);
  const ok = async (user: string, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, extra?: Record<string, string>) => {
    const res = await call(user, method, url, body, extra);
    expect(res.status, `${method} ${url} → ${JSON.stringify(res.body)}`).toBeLessThan(300);
    return res.body as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  it('runs a region from drawing to agreement, exports and a signed boundary review', { timeout: 300_000 }, async () => {
    const config: WorkflowConfig = {
      oversightModel: 'direct_clinical',
      labelSchema,
      reviewProtocol: (await ok('admin', 'GET', `/api/projects/${projectId}/workflow/config`)).reviewProtocol,
      agreementSampling: { fraction: 1, readersPerItem: 2, blinded: true },
      expertReview: { labelKeys: [], significantRegions: false },
      agreementThresholds: { dice: 0.8, fleissKappa: 0.6 },
      samplingSeed: 11,
    };
    await ok('admin', 'PUT', `/api/projects/${projectId}/workflow/config`, config);

    // ---- (1) region → tasks ----------------------------------------------------------------
    const template = {
      magnification: 40,
      fieldTiling: { kind: 'fixed', sizeUm: 250 },
      labelKeys: ['tumour', 'stroma'],
      cellClasses: [
        { key: 'nucleus', name: 'Tumour nucleus', colour: '#1f77b4', shape: 'polygon' },
        { key: 'mitotic_figure', name: 'Mitotic figure', colour: '#d62728', shape: 'point', matchRadiusUm: 4 },
        { key: 'mitotic_lookalike', name: 'Mitotic look-alike', colour: '#ff7f0e', shape: 'point', lookAlikeOf: 'mitotic_figure' },
      ],
      qualificationKinds: ['pathologist'],
    };
    const outside = await call('admin', 'POST', `/api/items/${slideItemId}/pathology/regions`, { polygon: [[7000, 7000], [9000, 7000], [9000, 9000]], template });
    expect(outside.status).toBe(422);
    expect(outside.body.code).toBe('DLN_PATHOLOGY_REGION_INVALID');
    expect((await call('path1', 'POST', `/api/items/${slideItemId}/pathology/regions`, { polygon: POLYGON, template })).status).toBe(403);

    const created = await ok('admin', 'POST', `/api/items/${slideItemId}/pathology/regions`, { polygon: POLYGON, template });
    const region = created.region;
    expect(region).toMatchObject({ bounds: { x: 1000, y: 1000, width: W, height: H }, slideMpp: 0.25, targetDownsample: 1, fieldSizePx: 1000 });
    expect(region.zoomBand.min).toBeCloseTo(40 / 1.5, 9);
    expect(region.zoomBand.max).toBeCloseTo(60, 9);
    // Sampled (fraction 1): two blinded readers, both pathologists, each with the 4 fields of 1000 px.
    expect(created.tasks).toHaveLength(2);
    const byReader = new Map<string, string>(created.tasks.map((t: any) => [t.task.assigneeId, t.task.id])); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect([...byReader.keys()].sort()).toEqual([users.path1, users.path2].sort());
    expect(created.tasks.every((t: any) => t.fields === 4 && t.task.blinded && t.task.sampled)).toBe(true); // eslint-disable-line @typescript-eslint/no-explicit-any
    const task1 = byReader.get(users.path1!)!, task2 = byReader.get(users.path2!)!;

    const view = await ok('path1', 'GET', `/api/workflow/tasks/${task1}/pathology`);
    expect(view.fields.map((f: any) => [f.box, f.state])).toEqual([ // eslint-disable-line @typescript-eslint/no-explicit-any
      [{ x: 1000, y: 1000, width: 1000, height: 1000 }, 'unseen'],
      [{ x: 2000, y: 1000, width: 1000, height: 1000 }, 'unseen'],
      [{ x: 1000, y: 2000, width: 1000, height: 600 }, 'unseen'],
      [{ x: 2000, y: 2000, width: 1000, height: 600 }, 'unseen'],
    ]);
    // Blinded: the co-reader does not see the other reader's task.
    expect((await call('path2', 'GET', `/api/workflow/tasks/${task1}/pathology`)).status).toBe(403);

    // ---- zoom band and region on mask saves --------------------------------------------------
    const annotation = await ok('path1', 'POST', `/api/items/${region.itemId}/annotations`, { labelSchema, taskId: task1 });
    const mask = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (inside(x, y)) mask[y * W + x] = x < 1000 ? 1 : 2;
    const save = (volume: Uint8Array, magnification?: number) =>
      call('path1', 'POST', `/api/annotations/${annotation.id}/revisions${magnification === undefined ? '' : `?magnification=${magnification}`}`, encodeRle8(volume), { 'if-match': '"0"' });
    const atFive = await save(mask, 5);
    expect(atFive.status).toBe(422);
    expect(atFive.body).toMatchObject({ code: 'DLN_PATHOLOGY_ZOOM_OUT_OF_BAND', message: 'Painting works from 26.67× to 60× for this 40× task; zoom in from 5×' });
    expect((await save(mask)).body.code).toBe('DLN_PATHOLOGY_ZOOM_OUT_OF_BAND');
    const beyond = mask.slice();
    beyond[(H - 1) * W + 5] = 1; // bottom-left corner: left of the slanted edge
    const outsideSave = await save(beyond, 40);
    expect(outsideSave.status).toBe(422);
    expect(outsideSave.body.code).toBe('DLN_PATHOLOGY_EDIT_OUTSIDE_REGION');
    expect((await save(mask, 40)).status).toBe(201);

    // ---- fields: seen, done, with who and when; progress on the work list ----------------------
    const seen = await ok('path1', 'PUT', `/api/workflow/tasks/${task1}/pathology/fields/0`, { state: 'seen' });
    expect(seen).toMatchObject({ index: 0, state: 'seen', changedBy: users.path1 });
    expect(seen.changedAt).toEqual(expect.any(String));
    await ok('path1', 'PUT', `/api/workflow/tasks/${task1}/pathology/fields/0`, { state: 'done' });
    await ok('path1', 'PUT', `/api/workflow/tasks/${task1}/pathology/fields/1`, { state: 'seen' });
    const back = await call('path1', 'PUT', `/api/workflow/tasks/${task1}/pathology/fields/0`, { state: 'seen' });
    expect(back.status).toBe(409);
    expect((await call('path1', 'PUT', `/api/workflow/tasks/${task1}/pathology/fields/9`, { state: 'seen' })).body.code).toBe('DLN_PATHOLOGY_FIELD_UNKNOWN');
    const list = await ok('path1', 'GET', `/api/projects/${projectId}/pathology/work-list`);
    expect(list.tasks).toEqual([expect.objectContaining({ magnification: 40, progress: { unseen: 2, seen: 1, done: 1, total: 4 } })]);

    // ---- cells: batches with If-Match, picking, viewport ---------------------------------------
    const mark = (points: Array<[number, number]>, classKey = 'mitotic_figure') => points.map(([x, y]) => ({ op: 'add', cell: { classKey, x, y } }));
    const first = await ok('path1', 'POST', `/api/workflow/tasks/${task1}/pathology/cells`, { edits: mark([[1100, 1100], [1200, 1200], [1300, 1300], [1500, 1500]]) }, { 'if-match': '"0"' });
    expect(first).toEqual({ version: 1, count: 4, added: [1, 2, 3, 4] });
    const stale = await call('path1', 'POST', `/api/workflow/tasks/${task1}/pathology/cells`, { edits: mark([[1600, 1600]]) }, { 'if-match': '"0"' });
    expect(stale.status).toBe(412);
    const badShape = await call('path1', 'POST', `/api/workflow/tasks/${task1}/pathology/cells`, { edits: [{ op: 'add', cell: { classKey: 'mitotic_figure', x: 1600, y: 1600, polygon: [[1598, 1598], [1602, 1598], [1600, 1602]] } }] }, { 'if-match': '"1"' });
    expect(badShape.body.code).toBe('DLN_PATHOLOGY_CELL_INVALID');
    const outsideCell = await call('path1', 'POST', `/api/workflow/tasks/${task1}/pathology/cells`, { edits: mark([[1010, 2590]]) }, { 'if-match': '"1"' });
    expect(outsideCell.body.code).toBe('DLN_PATHOLOGY_EDIT_OUTSIDE_REGION');
    const nucleus = { op: 'add', cell: { classKey: 'nucleus', x: 2500, y: 1500, polygon: [[2494, 1494], [2506, 1494], [2506, 1506], [2494, 1506]] } };
    await ok('path1', 'POST', `/api/workflow/tasks/${task1}/pathology/cells`, { edits: [nucleus, { op: 'reclassify', id: 4, classKey: 'mitotic_lookalike' }, { op: 'reclassify', id: 4, classKey: 'mitotic_figure' }] }, { 'if-match': '"1"' });
    const picked = await ok('path1', 'GET', `/api/workflow/tasks/${task1}/pathology/cells/pick?x=2503&y=1497`);
    expect(picked.cell).toMatchObject({ id: 5, classKey: 'nucleus', authorId: users.path1, source: { kind: 'person' }, reviewStatus: 'unreviewed' });
    expect((await ok('path1', 'GET', `/api/workflow/tasks/${task1}/pathology/cells/pick?x=2600&y=1600`)).cell).toBeNull();
    const inView = await ok('path1', 'GET', `/api/workflow/tasks/${task1}/pathology/cells?x0=1000&y0=1000&x1=1250&y1=1250`);
    expect(inView.cells.map((c: any) => c.id)).toEqual([1, 2]); // eslint-disable-line @typescript-eslint/no-explicit-any
    await ok('path2', 'POST', `/api/workflow/tasks/${task2}/pathology/cells`, { edits: mark([[1105, 1100], [1200, 1215], [1300, 1320], [1700, 1700]]) }, { 'if-match': '"0"' });

    // ---- agreement: F1 of the two readers' mitotic figures worked out by hand ---------------------
    // Radius 4 µm = 16 px at 0.25 µm/px: (1100,1100)–(1105,1100) at 5 px and (1200,1200)–(1200,1215)
    // at 15 px match; (1300,1300)–(1300,1320) at 20 px and the rest do not. 2 matches of 4 + 4 marks:
    // precision 2/4, recall 2/4, F1 = 2·2 / (4 + 4) = 0.5. All eight marks fall in field 0, so the
    // counts per field are [4, 4], [0, 0], [0, 0], [0, 0]: ICC(A,1) = 1.
    const agreement = await ok('admin', 'GET', `/api/projects/${projectId}/pathology/agreement`);
    const mitoses = agreement.regions[0].cells.find((c: any) => c.classKey === 'mitotic_figure'); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(mitoses.pairs).toEqual([{ a: 0, b: 1, matched: 2, countA: 4, countB: 4, precision: 0.5, recall: 0.5, f1: 0.5 }]);
    expect(mitoses.countIcc).toBeCloseTo(1, 9);
    // Consensus needs more than half of two readers, i.e. both: the two matched pairs, at their means.
    expect(mitoses.consensus).toEqual([{ x: 1102.5, y: 1100, votes: 2 }, { x: 1200, y: 1207.5, votes: 2 }]);

    // ---- exports ---------------------------------------------------------------------------------
    const geo = JSON.parse((await call('path1', 'GET', `/api/workflow/tasks/${task1}/pathology/export/geojson`)).raw.toString('utf8'));
    expect(geo.type).toBe('FeatureCollection');
    expect(geo.properties).toMatchObject({ pixelWidthMicrons: 0.25, pixelHeightMicrons: 0.25 });
    expect(geo.features[0].geometry).toEqual({ type: 'Polygon', coordinates: [[...POLYGON, POLYGON[0]]] });
    expect(geo.features).toHaveLength(6);
    expect(geo.features.find((f: any) => f.properties.delineateCellId === 5).properties).toMatchObject({ objectType: 'detection', classification: { name: 'Tumour nucleus', color: [31, 119, 180] } }); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(geo.features.find((f: any) => f.properties.delineateCellId === 1).geometry).toEqual({ type: 'Point', coordinates: [1100, 1100] }); // eslint-disable-line @typescript-eslint/no-explicit-any
    const coco = await ok('path1', 'GET', `/api/workflow/tasks/${task1}/pathology/export/coco`);
    expect(coco.images).toHaveLength(4);
    // Field 0 (x 1000–1999) is all tumour inside the polygon; field 1 all stroma.
    expect(coco.annotations.filter((a: any) => a.image_id === 1).map((a: any) => a.category_id)).toEqual([1]); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(coco.annotations.filter((a: any) => a.image_id === 2).map((a: any) => [a.category_id, a.area])).toEqual([[2, 1000 * 1000]]); // eslint-disable-line @typescript-eslint/no-explicit-any

    // ---- boundary review -----------------------------------------------------------------------------
    // The tumour–stroma boundary is the pixel columns 999 and 1000 of the region, every row. A band of
    // ±10 µm = ±40 px covers columns 959–1040 (82 columns); fields of 100 µm = 400 px: only the field
    // column 800–1199 holds band pixels, over 4 field rows of 400 → 4 fields of 82 × 400 band pixels.
    expect((await call('path1', 'POST', `/api/workflow/tasks/${task1}/pathology/boundary-reviews`, { between: ['tumour', 'stroma'], bandUm: 10, fieldSizeUm: 100 })).status).toBe(403);
    // The demo schema names tumour–stroma as its reviewed boundary: another pair is refused.
    const unnamed = await call('expert', 'POST', `/api/workflow/tasks/${task1}/pathology/boundary-reviews`, { between: ['tumour', 'necrosis'], bandUm: 10, fieldSizeUm: 100 });
    expect(unnamed.body).toMatchObject({ code: 'DLN_PATHOLOGY_BOUNDARY_NOT_NAMED', message: 'The label schema names the boundaries to review: tumour–stroma' });
    expect(unnamed.status).toBe(422);
    const review = await ok('expert', 'POST', `/api/workflow/tasks/${task1}/pathology/boundary-reviews`, { between: ['tumour', 'stroma'], bandUm: 10, fieldSizeUm: 100 });
    expect(review.fields.map((f: any) => [f.box, f.bandPixels])).toEqual( // eslint-disable-line @typescript-eslint/no-explicit-any
      [0, 1, 2, 3].map((r) => [{ x: 1800, y: 1000 + 400 * r, width: 400, height: 400 }, 82 * 400]),
    );
    const listed = await ok('expert', 'GET', `/api/workflow/tasks/${task1}/pathology/boundary-reviews`);
    expect(listed.reviews.map((r: any) => r.id)).toEqual([review.id]); // eslint-disable-line @typescript-eslint/no-explicit-any
    const sign = () => call('expert', 'POST', `/api/workflow/tasks/${task1}/pathology/boundary-reviews/${review.id}/sign`, { signature: { password: PASSWORD } });
    await ok('expert', 'PUT', `/api/workflow/tasks/${task1}/pathology/boundary-reviews/${review.id}/fields/0`, { state: 'accepted' });
    await ok('expert', 'PUT', `/api/workflow/tasks/${task1}/pathology/boundary-reviews/${review.id}/fields/1`, { state: 'seen' });
    const early = await sign();
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'DLN_PATHOLOGY_BOUNDARY_NOT_COVERED', message: '2 of 4 fields of the boundary band have not been seen yet' });
    await ok('expert', 'PUT', `/api/workflow/tasks/${task1}/pathology/boundary-reviews/${review.id}/fields/2`, { state: 'edited' });
    await ok('expert', 'PUT', `/api/workflow/tasks/${task1}/pathology/boundary-reviews/${review.id}/fields/3`, { state: 'accepted' });
    const wrong = await call('expert', 'POST', `/api/workflow/tasks/${task1}/pathology/boundary-reviews/${review.id}/sign`, { signature: { password: 'not it' } });
    expect(wrong.status).toBe(401);
    const signed = await sign();
    expect(signed.status, JSON.stringify(signed.body)).toBe(200);
    expect(signed.body).toMatchObject({ signedBy: users.expert, coverage: { seen: 4, total: 4, fraction: 1 } });
  });
});
