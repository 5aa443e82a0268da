import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cinePhantom } from '@delineate/formats';
import { labelSchemaTemplate, type CardiacSliceContoursInput } from '@delineate/schema';
import { afterEach, expect, it } from 'vitest';
import { BlobKey } from '../blob/key';
import { LocalBlobStore } from '../blob/local';
import { AnnotationRepository } from '../repositories/annotations';
import { describeStore } from '../test/describe-store';
import { seedProject } from '../test/fixtures';
import { cardiacItemAgreement, clinicalIndexAgreement } from './agreement';
import { recordCineSeries, setLabelConventions } from './cine';
import { cardiacReading, currentDesignation, designatePhases, saveCardiacContours } from './readings';

// The demo's phantom: 12 slices × 20 phases of 128², 1.4 mm pixels, slices 10 mm apart.
const phantom = cinePhantom();
const [columns, rows, slices] = phantom.dims;

let dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
});

/** The generator's contours of every slice in the given phases, as a reader would save them. */
function generatorContours(phases: readonly number[]): CardiacSliceContoursInput[] {
  return phases.flatMap((phase) =>
    Array.from({ length: slices }, (_, slice) => {
      const c = phantom.contours(slice, phase);
      return { slice, phase, lvEndocardium: c.lvEndocardium, lvEpicardium: c.lvEpicardium, rvEndocardium: c.rvEndocardium };
    }),
  );
}

describeStore('cardiac readings', (getDb) => {
  async function setup(map: 'acdc' | 'mnms' | null = 'mnms') {
    const { db } = getDb();
    const seed = await seedProject(db, `-cine-${Math.random()}`);
    await db.insertInto('label_schema_versions').values({ schema_id: seed.labelSchemaId, version: 2, labels: JSON.stringify(labelSchemaTemplate(`cardiac-cine-${map ?? 'mnms'}`).labels) }).execute();
    if (map) await setLabelConventions(db, seed.labelSchemaId, 2, { labelMap: map, papillaryMuscles: 'included_in_cavity', basalSliceRule: 'half_circumference_myocardium' });
    const item = await db.selectFrom('items').select('series_id').where('id', '=', seed.itemId).executeTakeFirstOrThrow();
    await db
      .updateTable('series')
      .set({ rows, columns, slices: slices * phantom.phases, spacing: [...phantom.spacing], origin: [...phantom.origin], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] })
      .where('id', '=', item.series_id!)
      .execute();
    await recordCineSeries(db, item.series_id!, { slices, phases: phantom.phases, triggerTimes: [...phantom.triggerTimes] });
    await db.updateTable('items').set({ kind: 'cine_volume' }).where('id', '=', seed.itemId).execute();
    const dir = await mkdtemp(join(tmpdir(), 'dln-cardiac-'));
    dirs.push(dir);
    const annotations = new AnnotationRepository(db, { blobs: new LocalBlobStore({ dir, key: BlobKey.generate() }) });
    const annotation = await annotations.create({ projectId: seed.projectId, itemId: seed.itemId, labelSchema: { id: seed.labelSchemaId, version: 2 } });
    return { db, seed, annotations, annotationId: annotation.id, author: { kind: 'user' as const, userId: seed.userId } };
  }

  it('known answer: the generator’s contours stored give its EDV, ESV, EF and LV mass within 1 %', { timeout: 120_000 }, async () => {
    const { db, annotations, annotationId, author } = await setup();
    const all = Array.from({ length: phantom.phases }, (_, p) => p);
    await saveCardiacContours(db, annotations, { annotationId, expectedVersion: 0, author, contours: generatorContours(all) }, new Date('2026-01-01T00:00:00Z'));
    const reading = await cardiacReading(db, annotations, annotationId);
    expect(reading.designation).toMatchObject({ edPhase: phantom.known.edPhase, esPhase: phantom.known.esPhase, source: 'lv_volume_curve', setBy: null });
    const m = reading.measures!;
    const within1 = (got: number, want: number) => expect(Math.abs(got - want) / want).toBeLessThan(0.01);
    within1(m.lv.edv, phantom.known.lv.edv);
    within1(m.lv.esv, phantom.known.lv.esv);
    within1(m.lv.ef, phantom.known.lv.ef);
    within1(m.lvMassEd, phantom.known.lvMassEd);
    within1(m.rv.edv, phantom.known.rv.edv);
    within1(m.rv.esv, phantom.known.rv.esv);
    within1(m.rv.ef, phantom.known.rv.ef);
    expect(m.conventions).toMatchObject({ volumeMethod: 'slice_summation', sliceSpacing: 10, myocardialDensityGPerMl: 1.05, papillaryMuscles: 'included_in_cavity' });
  });

  it('a reader moves ED and ES, recorded with who and when, and later saves keep the reader’s choice', { timeout: 120_000 }, async () => {
    const { db, annotations, annotationId, author, seed } = await setup('acdc');
    const saved = await saveCardiacContours(db, annotations, { annotationId, expectedVersion: 0, author, contours: generatorContours([0, 7]) }, new Date('2026-01-01T00:00:00Z'));
    expect((await currentDesignation(db, annotationId))).toMatchObject({ edPhase: 0, esPhase: 7, source: 'lv_volume_curve' });
    const moved = await designatePhases(db, annotations, annotationId, { edPhase: 0, esPhase: 8 }, seed.userId, new Date('2026-01-02T00:00:00Z'));
    expect(moved).toEqual({ edPhase: 0, esPhase: 8, source: 'reader', setBy: seed.userId, setAt: '2026-01-02T00:00:00.000Z' });
    await saveCardiacContours(db, annotations, { annotationId, expectedVersion: saved.revision.version, author, contours: generatorContours([8]) }, new Date('2026-01-03T00:00:00Z'));
    const reading = await cardiacReading(db, annotations, annotationId);
    expect(reading.designation?.source).toBe('reader');
    expect(reading.measures!.lv.esv).toBeCloseTo(reading.curves.lv_blood_pool[8]!, 9);
    await expect(designatePhases(db, annotations, annotationId, { edPhase: 3, esPhase: 3 }, seed.userId, new Date())).rejects.toMatchObject({ code: 'DLN_CARDIAC_PHASE_INVALID' });
    await expect(designatePhases(db, annotations, annotationId, { edPhase: 0, esPhase: 20 }, seed.userId, new Date())).rejects.toMatchObject({ code: 'DLN_CARDIAC_PHASE_INVALID' });
  });

  it('refuses to measure without a named label map, and refuses contours outside the cine', async () => {
    const unnamed = await setup(null);
    await expect(saveCardiacContours(unnamed.db, unnamed.annotations, { annotationId: unnamed.annotationId, expectedVersion: 0, author: unnamed.author, contours: [] }, new Date())).rejects.toMatchObject({ code: 'DLN_CARDIAC_LABEL_MAP_REQUIRED' });
    const named = await setup();
    await expect(
      saveCardiacContours(named.db, named.annotations, { annotationId: named.annotationId, expectedVersion: 0, author: named.author, contours: [{ slice: 12, phase: 0 }] }, new Date()),
    ).rejects.toMatchObject({ code: 'DLN_CARDIAC_PHASE_INVALID' });
  });

  it('compares two readers: Dice and HD95 per structure at ED and ES, frame disagreement, and Bland–Altman of the indices', { timeout: 120_000 }, async () => {
    const { db, annotations, annotationId, author, seed } = await setup();
    await saveCardiacContours(db, annotations, { annotationId, expectedVersion: 0, author, contours: generatorContours([0, 7]) }, new Date());
    const second = await annotations.create({ projectId: seed.projectId, itemId: seed.itemId, labelSchema: { id: seed.labelSchemaId, version: 2 } });
    // The second reader calls phase 8 end-systole and draws the same ED.
    await saveCardiacContours(db, annotations, { annotationId: second.id, expectedVersion: 0, author: { kind: 'user', userId: seed.otherUserId }, contours: generatorContours([0, 8]) }, new Date());
    const { readings, pairs } = await cardiacItemAgreement(db, annotations, seed.itemId);
    expect(readings).toHaveLength(2);
    expect(pairs).toHaveLength(1);
    const pair = pairs[0]!;
    expect(pair).toMatchObject({ edFrames: 0, esFrames: 1 });
    const at = (phase: number, structure: string) => pair.structures.find((s) => s.phase === phase && s.structure === structure)!;
    expect(at(0, 'lv_blood_pool')).toMatchObject({ dice: 1, hd95: 0 });
    expect(at(7, 'lv_blood_pool').dice).toBe(0); // the second reader drew nothing at phase 7
    expect(Number.isFinite(at(8, 'lv_blood_pool').hd95)).toBe(false);
    const indices = clinicalIndexAgreement([[readings[0]!, readings[1]!]]);
    expect(indices.lv_edv).toMatchObject({ n: 1, bias: 0 });
    expect(indices.lv_esv.bias).toBeCloseTo(readings[1]!.measures!.lv.esv - readings[0]!.measures!.lv.esv, 9);
    expect(indices.lv_esv.bias).toBeGreaterThan(0); // phase 8 holds more blood than end-systole
  });
});
