import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enhancedMrPhantomValue, generateCtPhantom, generateEnhancedMrPhantom } from '@delineate/formats';
import { AccessRepository, ItemRepository, sliceHounsfield, TaskRepository, testing } from '@delineate/store';
import { startHarness, type Harness } from '../test/harness';
import { asUser } from '../test/auth';
import { openTestSession } from '../access';

const kinds = testing.testDatabaseKinds();
const grid = { rows: 16, columns: 16, slices: 4 };

/** Stores the phantom's slices as the item's instances, each with a passed de-identification record. */
async function addPhantomInstances(h: Harness): Promise<Uint8Array[]> {
  const phantom = generateCtPhantom({ slices: grid.slices, rows: grid.rows, columns: grid.columns });
  const db = h.database.db;
  const item = await db.selectFrom('items').select(['series_id']).where('id', '=', h.seeded.itemId).executeTakeFirstOrThrow();
  const bytes: Uint8Array[] = [];
  // Store in reverse so the listing has to order by instance number.
  for (const slice of [...phantom.slices].reverse()) {
    const stored = await h.server.context.blobs.put(slice.bytes);
    await db
      .insertInto('deid_records')
      .values({
        project_id: h.seeded.projectId,
        source_hash: stored.hash,
        output_hash: stored.hash,
        profile: 'basic',
        options: JSON.stringify([]),
        actions: JSON.stringify([]),
        pixel_regions: JSON.stringify([]),
        findings: JSON.stringify([]),
        status: 'passed',
        created_at: new Date(),
      })
      .execute();
    await new ItemRepository(db).addInstances([{ seriesId: item.series_id!, sopInstanceUid: `2.25.${slice.index + 1}${Date.now()}`, instanceNumber: slice.index + 1, blobHash: stored.hash }]);
  }
  for (const slice of phantom.slices) bytes.push(slice.bytes);
  return bytes;
}

describe.each(kinds.run)('imaging and task routes on %s', (kind) => {
  let h: Harness;
  let headers: Record<string, string>;
  let slices: Uint8Array[];

  beforeAll(async () => {
    h = await startHarness(kind);
    headers = await asUser(h, h.seeded.userId);
    slices = await addPhantomInstances(h);
  });
  afterAll(async () => h?.close());

  it('describes the item: grid, label schema with definitions, no annotations yet', async () => {
    const res = await h.server.app.inject({ method: 'GET', url: `/api/items/${h.seeded.itemId}`, headers });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.grid).toMatchObject({ rows: 16, columns: 16, slices: 4, spacing: [0.8, 0.8, 2] });
    expect(body.labelSchema.labels.length).toBeGreaterThan(0);
    expect(body.labelSchema.labels[0]).toHaveProperty('definition');
    expect(body.labelSchema.labels[0]).toHaveProperty('referenceStandard');
    expect(body.annotations).toEqual([]);
  });

  it('lists instances in slice order and serves their de-identified bytes', async () => {
    const res = await h.server.app.inject({ method: 'GET', url: `/api/items/${h.seeded.itemId}/instances`, headers });
    expect(res.statusCode).toBe(200);
    const { instances } = res.json();
    expect(instances.map((i: { instanceNumber: number }) => i.instanceNumber)).toEqual([1, 2, 3, 4]);
    const dicom = await h.server.app.inject({ method: 'GET', url: `/api/items/${h.seeded.itemId}/instances/${instances[2].id}/dicom`, headers });
    expect(dicom.statusCode).toBe(200);
    expect(dicom.headers['content-type']).toBe('application/dicom');
    expect(Buffer.compare(dicom.rawPayload, Buffer.from(slices[2]!))).toBe(0);
  });

  it('serves HU slabs that match each slice decoded on its own', async () => {
    const all = await h.server.app.inject({ method: 'GET', url: `/api/items/${h.seeded.itemId}/volume`, headers });
    expect(all.statusCode).toBe(200);
    const voxels = new Int16Array(all.rawPayload.buffer.slice(all.rawPayload.byteOffset, all.rawPayload.byteOffset + all.rawPayload.byteLength));
    expect(voxels.length).toBe(16 * 16 * 4);
    for (let z = 0; z < 4; z++) {
      expect(Array.from(voxels.subarray(z * 256, (z + 1) * 256))).toEqual(Array.from(sliceHounsfield(slices[z]!, 16, 16)));
    }
    // Air outside the body and soft tissue inside: real HU, not stored values.
    expect(Math.min(...voxels)).toBeLessThan(-900);
    const slab = await h.server.app.inject({ method: 'GET', url: `/api/items/${h.seeded.itemId}/volume?first=2&count=5`, headers });
    expect(slab.headers['x-volume-first']).toBe('2');
    expect(slab.headers['x-volume-count']).toBe('2');
    expect(slab.rawPayload.byteLength).toBe(16 * 16 * 2 * 2);
  });

  it('opens a multi-frame Enhanced MR (one instance) as a volume, slices in position order, in one slab or several', async () => {
    // As ingest records it: the frames hold grid slices 2, 0, 5, 1, 4, 3; frame_order maps each slice to its frame.
    const phantom = generateEnhancedMrPhantom({ frameSlices: [2, 0, 5, 1, 4, 3] });
    const db = h.database.db;
    const stored = await h.server.context.blobs.put(phantom.bytes);
    await db
      .insertInto('deid_records')
      .values({
        project_id: h.seeded.projectId,
        source_hash: stored.hash,
        output_hash: stored.hash,
        profile: 'basic',
        options: JSON.stringify([]),
        actions: JSON.stringify([]),
        pixel_regions: JSON.stringify([]),
        findings: JSON.stringify([]),
        status: 'passed',
        created_at: new Date(),
      })
      .execute();
    const repo = new ItemRepository(db);
    const subject = await repo.createSubject({ projectId: h.seeded.projectId, pseudonym: `P-MF-${Date.now()}`, ageBand: 'unknown', sex: 'unknown' });
    const study = await repo.createStudy({ subjectId: subject.id, studyInstanceUid: `2.25.7${Date.now()}` });
    const series = await repo.createSeries({ studyId: study.id, seriesInstanceUid: `2.25.8${Date.now()}`, modality: 'MR' });
    await db
      .updateTable('series')
      .set({ rows: 16, columns: 20, slices: 6, spacing: [0.9, 0.8, 2.5], origin: [-10, -20, 30], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], frame_order: [1, 3, 0, 5, 4, 2] })
      .where('id', '=', series.id)
      .execute();
    await repo.addInstances([{ seriesId: series.id, sopInstanceUid: `2.25.9${Date.now()}`, instanceNumber: 1, blobHash: stored.hash }]);
    const item = await repo.createItem({ projectId: h.seeded.projectId, subjectId: subject.id, target: { kind: 'series_volume', seriesId: series.id } });

    // The item names its own modality (MR), not the project's (CT): the viewer's presets follow it.
    const view = await h.server.app.inject({ method: 'GET', url: `/api/items/${item.id}`, headers });
    expect(view.json()).toMatchObject({ modality: 'MR' });
    const all = await h.server.app.inject({ method: 'GET', url: `/api/items/${item.id}/volume`, headers });
    expect(all.statusCode).toBe(200);
    const voxels = new Int16Array(all.rawPayload.buffer.slice(all.rawPayload.byteOffset, all.rawPayload.byteOffset + all.rawPayload.byteLength));
    expect(voxels.length).toBe(20 * 16 * 6);
    for (let z = 0; z < 6; z++) {
      for (const [c, r] of [[0, 0], [19, 15], [7, 3]] as const) expect(voxels[z * 320 + r * 20 + c]).toBe(enhancedMrPhantomValue(c, r, z));
    }
    const slab = await h.server.app.inject({ method: 'GET', url: `/api/items/${item.id}/volume?first=4&count=2`, headers });
    expect(slab.statusCode).toBe(200);
    const tail = new Int16Array(slab.rawPayload.buffer.slice(slab.rawPayload.byteOffset, slab.rawPayload.byteOffset + slab.rawPayload.byteLength));
    expect(Array.from(tail)).toEqual(Array.from(voxels.subarray(4 * 320)));
  });

  it('refuses anonymous callers and users without a role in the project', async () => {
    const anonymous = await h.server.app.inject({ method: 'GET', url: `/api/items/${h.seeded.itemId}/volume` });
    expect(anonymous.statusCode).toBe(401);
    const stranger = await new AccessRepository(h.database.db).createUser({ username: `stranger-${crypto.randomUUID()}`, displayName: 'Stranger', now: new Date() });
    const { headers: strangerHeaders } = await openTestSession(h.server.app.accessRuntime, stranger.id);
    const denied = await h.server.app.inject({ method: 'GET', url: `/api/items/${h.seeded.itemId}/volume`, headers: strangerHeaders });
    expect(denied.statusCode).toBe(404); // the item's existence is not revealed
    const tasks = await h.server.app.inject({ method: 'GET', url: '/api/tasks/mine', headers: strangerHeaders });
    expect(tasks.json()).toEqual({ tasks: [] });
  });

  it("lists the user's tasks with their item and annotation, and audits the reads", async () => {
    const task = await new TaskRepository(h.database.db).create({ projectId: h.seeded.projectId, kind: 'annotate', itemId: h.seeded.itemId, assigneeId: h.seeded.userId });
    const created = await h.server.app.inject({
      method: 'POST',
      url: `/api/items/${h.seeded.itemId}/annotations`,
      headers,
      payload: { labelSchema: h.seeded.labelSchema, taskId: task.id },
    });
    expect(created.statusCode).toBe(201);
    const res = await h.server.app.inject({ method: 'GET', url: '/api/tasks/mine', headers });
    expect(res.statusCode).toBe(200);
    const [mine] = res.json().tasks;
    expect(mine).toMatchObject({ id: task.id, status: 'assigned', item: { id: h.seeded.itemId, slices: 4, modality: 'CT', subjectPseudonym: 'P-TEST' }, annotation: { id: created.json().id, headVersion: 0 } });
    const item = await h.server.app.inject({ method: 'GET', url: `/api/items/${h.seeded.itemId}`, headers });
    expect(item.json().annotations).toEqual([expect.objectContaining({ id: created.json().id, mine: true, taskId: task.id })]);
    await h.server.app.accessRuntime.auditSettled();
    const events = (await h.server.app.accessRuntime.audit.range(new Date(0), new Date(Date.now() + 60_000))).filter((e) => e.actorId === h.seeded.userId);
    expect(events.filter((e) => e.action === 'image.read' && e.outcome === 'success').length).toBeGreaterThanOrEqual(2);
    expect(events.some((e) => e.action === 'task.list_mine')).toBe(true);
  });
});
