import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { boundaryIndex, ellipseContour, emptyBoundarySet, encodeBoundarySet, encodeRle8, RLE8, rasteriseDiscAndCup, setAbsent, setHeight } from '@delineate/core';
import { fundusLabelSchema, type Modality, type ReleaseDocumentInput } from '@delineate/schema';
import { AccessRepository } from '../../access/repository';
import { blobAddress } from '../../blob/address';
import { BlobKey } from '../../blob/key';
import { LocalBlobStore } from '../../blob/local';
import { fundusAgreement } from '../../fundus/agreement';
import { FundusPhotoRepository } from '../../fundus/photos';
import { OctRepository } from '../../oct/boundaries';
import { octAgreementOfProject } from '../../oct/agreement';
import { AnnotationRepository } from '../../repositories/annotations';
import { ItemRepository } from '../../repositories/items';
import type { Database } from '../../sql/database';
import { describeStore } from '../../test/describe-store';
import { seedProjectRow } from '../../test/fixtures';
import { loadReleaseRecords } from './records';
import { interObserverVariability, layoutVariability } from './variability';

const octLabels = [{ key: 'irf', value: 1, name: 'Intraretinal fluid', concept: { scheme: 'LOCAL', value: 'DLN-OCT-IRF', meaning: 'Intraretinal fluid' }, category: { scheme: 'SCT', value: '49755003', meaning: 'Morphologically abnormal structure' }, colour: '#1f77b4', definition: 'Fluid within the retina.', inclusion: [], exclusion: [], referenceStandard: { title: 'IN•OCT consensus', citation: 'Staurenghi G, et al. Ophthalmology. 2014;121:1572-8.' }, requiresExpertReview: false }];

describeStore('ophthalmic agreement in the inter-observer variability document', (getDb) => {
  let dir: string;
  let blobs: LocalBlobStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-ophth-doc-'));
    blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
  });
  afterAll(async () => {
    await blobs.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A project of one item read by two readers, each with one mask revision (saved by `mask`), and its release input. */
  async function twoReaderItem(database: Database, options: { modality: Modality; labels: unknown[]; kind: 'photo' | 'series_volume'; dims: [number, number, number]; mask: (reader: number) => Uint8Array }) {
    const db = database.db;
    const { projectId, labelSchemaId, reviewProtocolId } = await seedProjectRow(db, { labels: options.labels as never, modality: options.modality });
    const [width, height, slices] = options.dims;
    const items = new ItemRepository(db);
    const subject = await items.createSubject({ projectId, pseudonym: 'P-EYE', ageBand: 'unknown', sex: 'unknown' });
    const study = await items.createStudy({ subjectId: subject.id, studyInstanceUid: `2.25.${Date.now()}1` });
    const series = await items.createSeries({ studyId: study.id, seriesInstanceUid: `2.25.${Date.now()}2`, modality: options.modality });
    await db.updateTable('series').set({ rows: height, columns: width, slices, spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }).where('id', '=', series.id).execute();
    const stored = await blobs.put(new Uint8Array([1, 2, 3, 4]));
    const empty = JSON.stringify([]);
    const record = await db
      .insertInto('deid_records')
      .values({ project_id: projectId, source_hash: stored.hash, output_hash: stored.hash, profile: 'basic', options: empty, actions: empty, pixel_regions: empty, findings: empty, status: 'passed', created_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await items.addInstances([{ seriesId: series.id, sopInstanceUid: `2.25.${Date.now()}3`, instanceNumber: 1, blobHash: stored.hash }]);
    const item = await items.createItem({ projectId, subjectId: subject.id, target: { kind: options.kind, seriesId: series.id } });
    const access = new AccessRepository(db);
    const annotations = new AnnotationRepository(db, { blobs });
    const readers = [];
    for (const [i, name] of ['Dr Adams', 'Dr Baker'].entries()) {
      const user = await access.createUser({ username: `${name.replace(' ', '')}-${randomUUID().slice(0, 6)}`, displayName: name, now: new Date() });
      const annotation = await annotations.create({ projectId, itemId: item.id, labelSchema: { id: labelSchemaId, version: 1 }, createdBy: user.id });
      const bytes = encodeRle8(options.mask(i));
      await annotations.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author: { kind: 'user', userId: user.id }, source: 'human', maskHash: blobAddress(bytes), maskEncoding: RLE8, maskBytes: bytes });
      readers.push({ annotationId: annotation.id, userId: user.id, maskHash: blobAddress(bytes) });
    }
    const input: ReleaseDocumentInput = {
      releaseId: randomUUID(),
      projectId,
      name: 'Ophthalmology v1',
      manifestHash: '0'.repeat(64),
      frozenAt: new Date(Date.UTC(2026, 5, 1)),
      labelSchema: { id: labelSchemaId, version: 1 },
      reviewProtocol: { id: reviewProtocolId, version: 1 },
      items: [
        {
          itemId: item.id,
          subjectPseudonym: 'P-EYE',
          split: 'train',
          modality: options.modality,
          deidRecordIds: [record.id],
          revisions: [{ annotationId: readers[0]!.annotationId, version: 1, maskHash: readers[0]!.maskHash }],
          consensus: { method: 'staple', readers: readers.map((r) => ({ annotationId: r.annotationId, version: 1 })) },
        },
      ],
      excluded: [],
    };
    return { projectId, itemId: item.id, seriesId: series.id, readers, input, annotations };
  }

  it('carries the fundus disc and cup Dice, HD95, |ΔvCDR| and Bland–Altman the store computes for the two readers', async () => {
    const database = getDb();
    const disc = ellipseContour([60, 50], [30, 34]);
    const mask = (reader: number) => {
      const r = rasteriseDiscAndCup(disc, ellipseContour([60 + reader, 50], [12, 14 + 3 * reader]), 120, 100, { disc: 1, cup: 2 });
      if (!r.ok) throw new Error(r.reason);
      return r.mask.data;
    };
    const seeded = await twoReaderItem(database, { modality: 'OP', labels: fundusLabelSchema.labels, kind: 'photo', dims: [120, 100, 1], mask });
    await new FundusPhotoRepository(database.db).record({ itemId: seeded.itemId, laterality: 'OD', pixelSpacingMm: [0.01, 0.01], width: 120, height: 100 });
    const doc = await interObserverVariability(await loadReleaseRecords(database.db, blobs, seeded.input));
    const store = await fundusAgreement(database.db, seeded.annotations, seeded.projectId, fundusLabelSchema.labels);
    expect(store.pairs).toHaveLength(1);
    const [expected] = store.pairs;
    const [pair] = doc.ophthalmology!.fundus!.pairs;
    expect(pair!.readers).toEqual(['Dr Adams', 'Dr Baker']);
    expect(pair!.cup).toEqual(expected!.cup);
    expect(pair!.disc).toEqual(expected!.disc);
    expect(pair!.vcdr).toEqual(expected!.vcdr);
    expect(pair!.cup.dice).toBeLessThan(1);
    expect(pair!.cup.hd95Mm).toBeGreaterThan(0);
    const refuge = doc.ophthalmology!.fundus!.blandAltman.find((b) => b.convention === 'refuge')!;
    const refugePair = expected!.vcdr.find((v) => v.convention === 'refuge')!;
    expect(refuge.n).toBe(1);
    expect(refuge.bias).toBeCloseTo(refugePair.a! - refugePair.b!, 12);
    expect(doc.ophthalmology!.oct).toBeUndefined();
    // The document shows the figures in words: the section, the convention names, the cup Dice as the table prints it.
    const layout = layoutVariability(doc);
    const section = layout.sections.find((s) => s.heading === 'Ophthalmology: boundaries, disc and cup')!;
    const text = JSON.stringify(section.blocks);
    expect(text).toContain('Bland–Altman');
    expect(text).toContain('REFUGE');
    expect(text).toContain(pair!.cup.dice!.toFixed(3));
  });

  it('carries the OCT boundary errors in µm and the one-reader-absent fraction the store computes for the two readers', async () => {
    const database = getDb();
    const [ascans, rows, bscans] = [16, 40, 3] as const;
    const seeded = await twoReaderItem(database, { modality: 'OPT', labels: octLabels, kind: 'series_volume', dims: [ascans, rows, bscans], mask: () => new Uint8Array(ascans * rows * bscans) });
    const oct = new OctRepository(database.db, blobs, () => new Date());
    await oct.registerVolume(seeded.seriesId, { bscans, ascans, rows, ascanSpacingUm: 11.5, bscanSpacingUm: 120, axialUmPerPixel: 3.9, laterality: 'OD' }, 'dicom');
    for (const [i, reader] of seeded.readers.entries()) {
      const set = emptyBoundarySet(bscans, ascans);
      for (let s = 0; s < bscans; s++)
        for (let a = 0; a < ascans; a++) {
          setHeight(set, boundaryIndex('ILM'), s, a, 10 + i * 0.5 + (a % 3) * 0.25 * i);
          setHeight(set, boundaryIndex('BM'), s, a, 30 - i);
          // The second reader calls the EZ absent on four A-scans of B-scan 1 where the first gave it.
          if (i === 1 && s === 1 && a < 4) setAbsent(set, boundaryIndex('EZ'), s, a);
          else setHeight(set, boundaryIndex('EZ'), s, a, 25);
        }
      await oct.save({ annotationId: reader.annotationId, expectedVersion: 0, authorUserId: reader.userId, source: 'human', bytes: encodeBoundarySet(set) });
    }
    const doc = await interObserverVariability(await loadReleaseRecords(database.db, blobs, seeded.input));
    const [storeItem] = await octAgreementOfProject(database.db, blobs, seeded.projectId);
    const [pair] = doc.ophthalmology!.oct!.pairs;
    expect(pair!.boundaries).toEqual(storeItem!.pairs[0]!.boundaries);
    const ilm = pair!.boundaries.find((b) => b.boundary === 'ILM')!;
    expect(ilm.meanSignedErrorUm).toBeLessThan(0);
    expect(ilm.meanAbsoluteErrorUm).toBeGreaterThan(0.5 * 3.9 - 1e-9);
    expect(pair!.boundaries.find((b) => b.boundary === 'BM')!.meanAbsoluteErrorUm).toBeCloseTo(3.9, 9);
    expect(pair!.boundaries.find((b) => b.boundary === 'EZ')!.absentDisagreement).toBeCloseTo(4 / (bscans * ascans), 12);
    const text = JSON.stringify(layoutVariability(doc).sections.find((s) => s.heading.startsWith('Ophthalmology'))!.blocks);
    expect(text).toContain('Internal limiting membrane');
    expect(text).toContain('Boundary agreement per reader pair (µm)');
  });
});
