import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRle8 } from '@delineate/core';
import { labelSchemaTemplate, schemaFromTemplate } from '@delineate/schema';
import { AccessRepository, LabelSchemaRepository } from '@delineate/store';
import { startHarness, type Harness } from '../test/harness';
import { asUser } from '../test/auth';

/** The QA page's target agreement over a recorded agreement of two readers on a target label, by hand-worked values. */
describe('target agreement API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('pglite');
  }, 120_000);
  afterAll(async () => h?.close());

  it('measures the sampled targets per reader pair, in millilitres and millimetres', async () => {
    const db = h.database.db;
    const template = labelSchemaTemplate('rt-target-volumes');
    const schema = await new LabelSchemaRepository(db).create(schemaFromTemplate(template));
    await db.updateTable('projects').set({ label_schema_id: schema.id, label_schema_version: schema.version }).where('id', '=', h.seeded.projectId).execute();
    const GTV = template.labels.find((l) => l.key === 'gtv_primary')!.value;
    // 16 × 16 × 4 at 0.8 × 0.8 × 2 mm: reader A a 2 × 2 square on slice 1, reader B the same square and one voxel more.
    const at = (x: number, y: number, z: number) => x + 16 * (y + 16 * z);
    const maskA = new Uint8Array(16 * 16 * 4);
    for (const [x, y] of [[5, 5], [6, 5], [5, 6], [6, 6]] as const) maskA[at(x, y, 1)] = GTV;
    const maskB = maskA.slice();
    maskB[at(7, 5, 1)] = GTV;
    const other = await new AccessRepository(db).createUser({ username: `reader-${crypto.randomUUID()}`, displayName: 'Second reader', now: new Date() });
    const inputs = [];
    for (const [userId, mask] of [[h.seeded.userId, maskA], [other.id, maskB]] as const) {
      const headers = await asUser(h, userId);
      const created = await h.server.app.inject({ method: 'POST', url: `/api/items/${h.seeded.itemId}/annotations`, headers, payload: { labelSchema: { id: schema.id, version: schema.version } } });
      expect(created.statusCode, created.body).toBe(201);
      const saved = await h.server.app.inject({
        method: 'POST',
        url: `/api/annotations/${created.json().id}/revisions`,
        headers: { ...headers, 'content-type': 'application/octet-stream', 'if-match': '"0"' },
        payload: Buffer.from(encodeRle8(mask)),
      });
      expect(saved.statusCode, saved.body).toBe(201);
      inputs.push({ annotationId: created.json().id as string, version: 1 });
    }
    // The agreement job's record of the sample (its Dice pairs are not what this route reads).
    await (db as unknown as import('kysely').Kysely<Record<string, Record<string, unknown>>>)
      .insertInto('workflow_agreements')
      .values({
        id: crypto.randomUUID(),
        project_id: h.seeded.projectId,
        item_id: h.seeded.itemId,
        label_key: 'gtv_primary',
        label_value: GTV,
        inputs: JSON.stringify(inputs),
        pairs: JSON.stringify([]),
        fleiss_kappa: null,
        krippendorff_alpha: null,
        mean_dice: null,
        consensus_hash: '0'.repeat(64),
        soft_hash: '0'.repeat(64),
        mask_encoding: 'rle',
        staple: JSON.stringify({}),
        job_id: null,
        created_at: new Date(),
      })
      .execute();

    const headers = await asUser(h, h.seeded.userId);
    const res = await h.server.app.inject({ method: 'GET', url: `/api/projects/${h.seeded.projectId}/workflow/target-agreement`, headers });
    expect(res.statusCode, res.body).toBe(200);
    const [target, ...rest] = res.json().targets;
    expect(rest).toEqual([]);
    expect(target).toMatchObject({ itemId: h.seeded.itemId, labelKey: 'gtv_primary', labelName: 'GTV primary' });
    // A voxel is 0.8 × 0.8 × 2 mm = 1.28 µl (spacing is stored as float32).
    expect(target.volumesMl[0]).toBeCloseTo(4 * 0.00128, 8);
    expect(target.volumesMl[1]).toBeCloseTo(5 * 0.00128, 8);
    const [pair] = target.pairs;
    expect([pair.a, pair.b]).toEqual([0, 1]);
    expect(pair.volumeRatio).toBeCloseTo(5 / 4, 12);
    expect(pair.conformityIndex).toBeCloseTo(4 / 5, 12);
    // B's extra voxel (0.8 mm of contour) is not in A: 0.8 mm one way, 0 the other, 0.4 mm on average.
    expect(pair.addedPathLengthMm).toBeCloseTo(0.4, 6);
  });
});
