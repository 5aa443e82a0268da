import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type IodValidator } from '@delineate/deid';
import { generateCtPhantom, generateEnhancedMrPhantom, readDicomFile, setString, writeDicomFile, enhancedMrPhantomValue } from '@delineate/formats';
import { ItemRepository, testing } from '@delineate/store';
import { dciodvfyAvailable, requireTestData } from '@delineate/testkit';
import { ingestDicom, type IngestOptions } from './ingest';
import { projectDeidSettings } from './project-deid';
import { useGateBed } from './test/gate-bed';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const shared = (path: string) => new Uint8Array(readFileSync(requireTestData(path)));

/** A phantom CT slice with its header edited: the crafted files a hostile or broken sender gives. */
function craftedSlice(seed: number, edit: (file: ReturnType<typeof readDicomFile>) => void): Uint8Array {
  const file = readDicomFile(generateCtPhantom({ slices: 1, rows: 16, columns: 16, seed }).slices[0]!.bytes);
  edit(file);
  return writeDicomFile(file);
}

const us = (value: number) => Uint8Array.of(value & 0xff, value >> 8);

describe.skipIf(!dciodvfyAvailable())('ingest batches on pglite', () => {
  const bed = useGateBed('dln-ingest-batch-');
  const clock = () => new Date();
  const deps = () => ({ database: bed.database, blobs: bed.blobs, clock });

  async function optionsFor(projectId: string, extra: Partial<IngestOptions> = {}): Promise<IngestOptions> {
    return { projectId, ...(await projectDeidSettings(deps(), projectId)), validator: bed.validator, ...extra };
  }
  async function recordsOf(sourceHash: string) {
    return bed.database.db.selectFrom('deid_records').select(['status']).where('source_hash', '=', sourceHash).execute();
  }


  it('keeps unmodified SR and RT Structure Set files as instances of their study, and goes on past a bad file', { timeout: 120_000 }, async () => {
    const projectId = await testing.createDemoProject(bed.database);
    const ct = generateCtPhantom({ slices: 3, rows: 16, columns: 16, seed: 21 }).slices.map((s) => s.bytes);
    const sr = shared('dicom/pydicom/test-SR.dcm');
    const rtstruct = shared('dicom/pydicom/rtstruct.dcm');
    const truncated = shared('dicom/pydicom/MR_truncated.dcm');
    // A CT Image header with neither Pixel Data nor Rows: an image class, so no non-image object.
    const headerOnly = shared('dicom/pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000002');
    const validated = new Set<string>();
    const counting: IodValidator = async (bytes) => {
      validated.add(sha256(bytes));
      return bed.validator(bytes);
    };
    const report = await ingestDicom(deps(), [ct[0]!, sr, truncated, ct[1]!, rtstruct, ct[2]!, headerOnly], await optionsFor(projectId, { validator: counting }));

    expect(report.files.map((f) => f.status)).toEqual(['passed', 'passed', 'rejected', 'passed', 'passed', 'passed', 'rejected']);
    expect(report).toMatchObject({ passed: 5, quarantined: 0, rejected: 2, duplicates: 0 });
    expect(report.files[2]).toMatchObject({ code: 'DLN_DICOM_INVALID' });
    expect(report.files[6]).toMatchObject({ code: 'DLN_DICOM_INVALID', reason: 'An image object has no Pixel Data' });
    expect(report.files[1]!.kept).toBe('study-object');
    expect(report.files[4]!.kept).toBe('study-object');
    expect(report.files[0]!.kept).toBe('volume');
    // The same IOD check as `delineate deid` (dciodvfy) saw every output the gate passed.
    const outputs = await bed.database.db.selectFrom('deid_records').select('output_hash').where('project_id', '=', projectId).execute();
    expect(outputs).toHaveLength(5);
    for (const { output_hash } of outputs) expect(validated.has(output_hash!)).toBe(true);

    // One item: the CT volume. The SR and the RT Structure Set are instances, with passed records, of no item.
    expect(report.items).toHaveLength(1);
    expect(report.items[0]!.slices).toBe(3);
    const instances = await bed.database.db
      .selectFrom('instances')
      .innerJoin('series', 'series.id', 'instances.series_id')
      .select(['instances.sop_class_uid', 'instances.blob_hash', 'series.id as series_id', 'series.dicom_modality', 'series.rows'])
      .where('instances.sop_class_uid', 'in', ['1.2.840.10008.5.1.4.1.1.88.33', '1.2.840.10008.5.1.4.1.1.481.3'])
      .execute();
    expect(instances.map((i) => i.dicom_modality).sort()).toEqual(['RTSTRUCT', 'SR']);
    for (const instance of instances) {
      expect(instance.rows).toBeNull();
      const items = await bed.database.db.selectFrom('items').select('id').where('series_id', '=', instance.series_id).execute();
      expect(items).toEqual([]);
      const record = await bed.database.db.selectFrom('deid_records').select('status').where('output_hash', '=', instance.blob_hash).executeTakeFirstOrThrow();
      expect(record.status).toBe('passed');
      // De-identified: the SR's patient and observer and the RT set's operator are gone from the stored bytes.
      const text = Buffer.from(await bed.blobs.get(instance.blob_hash)).toString('latin1');
      expect(text).not.toMatch(/Test\^S R|Riesmeier\^J|dmason/);
    }
    // A rejected file leaves nothing: no record, no blob of its source.
    for (const bytes of [truncated, headerOnly]) {
      expect(await recordsOf(sha256(bytes))).toEqual([]);
      expect(await bed.blobs.has(sha256(bytes))).toBe(false);
    }
  });

  it('rejects, with a reason and nothing written, an unknown or empty transfer syntax, a compressed syntax over native pixels, a short pixel data, a huge crafted grid and a tiled slide', { timeout: 120_000 }, async () => {
    const projectId = await testing.createDemoProject(bed.database);
    const files = {
      emptySyntax: craftedSlice(31, (f) => setString(f.meta, 0x00020010, 'UI', '')),
      unknownSyntax: craftedSlice(32, (f) => setString(f.meta, 0x00020010, 'UI', '1.2.3.4.5.6')),
      compressedOverNative: craftedSlice(33, (f) => setString(f.meta, 0x00020010, 'UI', '1.2.840.10008.1.2.4.50')),
      shortPixels: craftedSlice(34, (f) => f.dataset.set({ tag: 0x00280010, vr: 'US', value: us(20) })),
      huge: craftedSlice(35, (f) => {
        f.dataset.set({ tag: 0x00280010, vr: 'US', value: us(65535) });
        f.dataset.set({ tag: 0x00280011, vr: 'US', value: us(65535) });
        setString(f.dataset, 0x00280008, 'IS', '100');
      }),
    };
    // A real DICOM whole-slide image: its frames are tiles, not slices.
    const inputs = [...Object.values(files), shared('dicom/highdicom/sm_image.dcm')];
    const report = await ingestDicom(deps(), inputs, await optionsFor(projectId));
    expect(report.files.map((f) => [f.status, f.code])).toEqual([
      ['rejected', 'DLN_INGEST_TRANSFER_SYNTAX'],
      ['rejected', 'DLN_INGEST_TRANSFER_SYNTAX'],
      ['rejected', 'DLN_INGEST_TRANSFER_SYNTAX'],
      ['rejected', 'DLN_INGEST_PIXEL_LENGTH'],
      ['rejected', 'DLN_ITEM_GEOMETRY_TOO_LARGE'],
      ['rejected', 'DLN_DICOM_UNSUPPORTED'],
    ]);
    for (const file of report.files) expect(file.reason).toBeTruthy();
    expect(report.items).toEqual([]);
    for (const bytes of inputs) {
      expect(await recordsOf(sha256(bytes))).toEqual([]);
      expect(await bed.blobs.has(sha256(bytes))).toBe(false);
    }
    expect(await new ItemRepository(bed.database.db).listItems(projectId)).toEqual([]);
  });

  it('refuses a series beyond the configured voxel limit as a whole, writing none of it', { timeout: 60_000 }, async () => {
    const projectId = await testing.createDemoProject(bed.database);
    const ct = generateCtPhantom({ slices: 4, rows: 16, columns: 16, seed: 41 }).slices.map((s) => s.bytes);
    const limits = { maxRowsOrColumns: 64, maxSlices: 64, maxVoxelsPerItem: 16 * 16 * 3 };
    const report = await ingestDicom(deps(), ct, await optionsFor(projectId, { limits }));
    expect(report.files.map((f) => f.code)).toEqual(Array(4).fill('DLN_ITEM_GEOMETRY_TOO_LARGE'));
    expect(report.items).toEqual([]);
    for (const bytes of ct) expect(await recordsOf(sha256(bytes))).toEqual([]);
  });

  it('never lets two inputs with one SOP Instance UID replace each other: a duplicate when identical, a conflict when not', { timeout: 60_000 }, async () => {
    const projectId = await testing.createDemoProject(bed.database);
    const mr = shared('dicom/pydicom/MR_small.dcm');
    // The same SOP Instance UID in big-endian encoding: other bytes.
    const bigEndian = shared('dicom/pydicom/MR_small_bigendian.dcm');
    const first = await ingestDicom(deps(), [mr, mr, bigEndian], await optionsFor(projectId));
    expect(first.files.map((f) => [f.status, f.code ?? null])).toEqual([
      ['passed', null],
      ['duplicate', 'DLN_INGEST_DUPLICATE'],
      ['rejected', 'DLN_INGEST_CONFLICT'],
    ]);
    expect(first.items).toHaveLength(1);
    const instance = (await new ItemRepository(bed.database.db).listInstances(first.items[0]!.seriesId))[0]!;
    // A later batch: the same file is a duplicate, the other one still a conflict; the stored instance is untouched.
    const again = await ingestDicom(deps(), [bigEndian, mr], await optionsFor(projectId));
    expect(again.files.map((f) => [f.status, f.code])).toEqual([
      ['rejected', 'DLN_INGEST_CONFLICT'],
      ['duplicate', 'DLN_INGEST_DUPLICATE'],
    ]);
    expect(await new ItemRepository(bed.database.db).listInstances(first.items[0]!.seriesId)).toEqual([instance]);
    expect(await recordsOf(sha256(bigEndian))).toEqual([]);
  });

  it('records an Enhanced MR (one instance, frames positioned by the per-frame functional groups) as a volume in position order', { timeout: 60_000 }, async () => {
    const projectId = await testing.createDemoProject(bed.database);
    const phantom = generateEnhancedMrPhantom({ frameSlices: [2, 0, 5, 1, 4, 3] });
    const report = await ingestDicom(deps(), [phantom.bytes], await optionsFor(projectId));
    expect(report.files[0]).toMatchObject({ status: 'passed', kept: 'volume' });
    const series = await bed.database.db.selectFrom('series').selectAll().where('id', '=', report.items[0]!.seriesId).executeTakeFirstOrThrow();
    expect([series.columns, series.rows, series.slices]).toEqual([20, 16, 6]);
    // Grid slice z is the frame that holds it.
    expect(series.frame_order).toEqual([1, 3, 0, 5, 4, 2]);
    expect(series.spacing![0]).toBeCloseTo(0.9, 6);
    expect(series.spacing![1]).toBeCloseTo(0.8, 6);
    expect(series.spacing![2]).toBeCloseTo(2.5, 4);
    expect(series.origin).toEqual([-10, -20, 30]);
    expect(series.direction![5]).toBeCloseTo(-0.5, 6);
    expect(series.direction![8]).toBeCloseTo(Math.cos(Math.PI / 6), 5);
    expect(enhancedMrPhantomValue(0, 0, 5)).toBe(1050);
    const text = Buffer.from(await bed.blobs.get((await new ItemRepository(bed.database.db).listInstances(series.id))[0]!.blobHash)).toString('latin1');
    expect(text).not.toContain('PHANTOM-MR-0001');
  });

  it('records the real multi-frame Enhanced MR of pydicom-data (no functional groups) with its frames as slices', { timeout: 60_000 }, async () => {
    const projectId = await testing.createDemoProject(bed.database);
    const report = await ingestDicom(deps(), [shared('dicom/pydicom-data/emri_small.dcm')], await optionsFor(projectId));
    expect(report.files[0]).toMatchObject({ status: 'passed', kept: 'volume' });
    const series = await bed.database.db.selectFrom('series').selectAll().where('id', '=', report.items[0]!.seriesId).executeTakeFirstOrThrow();
    expect([series.rows, series.columns, series.slices]).toEqual([64, 64, 10]);
    expect(series.spacing![2]).toBeCloseTo(1.2, 6);
    expect(series.frame_order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
