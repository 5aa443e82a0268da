import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boundaryIndex, decodeBoundarySet, heightAt } from '@delineate/core';
import { generateOctPhantom } from '@delineate/formats';
import { AccessRepository, BlobKey, ItemRepository, LocalBlobStore, OctRepository, testing, type Database } from '@delineate/store';
import { requireTestData } from '@delineate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestDicom } from './ingest';
import { ingestHeyex } from './ingest-oct';
import { projectDeidSettings } from './project-deid';

describe.each(testing.testDatabaseKinds().run)('OCT ingest on %s', (kind) => {
  let database: Database;
  let blobs: LocalBlobStore;
  let dir: string;
  let projectId: string;
  let userId: string;
  const clock = () => new Date();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-oct-ingest-'));
    database = await testing.createTestDatabase(kind);
    blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
    projectId = await testing.createDemoProject(database);
    await database.db.updateTable('projects').set({ accepted_modalities: JSON.stringify(['OPT', 'OP']) }).where('id', '=', projectId).execute();
    userId = (await new AccessRepository(database.db).createUser({ username: `importer-${crypto.randomUUID()}`, displayName: 'Importer', now: new Date() })).id;
  }, 120_000);
  afterAll(async () => {
    await blobs.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  });

  // The IOD check is left out here (validator null): dciodvfy's verdict on these objects is
  // tested on the writer itself (testkit oct-phantom.test.ts), and it would double the run time.
  const settings = async () => ({ projectId, ...(await projectDeidSettings({ database, blobs, clock }, projectId)), validator: null });

  it('records the synthetic OPT as an OCT item with its sampling in µm, its patient fields removed', { timeout: 180_000 }, async () => {
    const phantom = generateOctPhantom({ seed: 5 });
    const report = await ingestDicom({ database, blobs, clock }, [phantom.opt, phantom.localizer], await settings());
    expect(report).toMatchObject({ passed: 2, rejected: 0 });
    const itemId = report.files[0]!.itemId!;
    const volume = await new OctRepository(database.db, blobs, clock).volumeOfItem(itemId);
    expect(volume).toMatchObject({ bscans: 49, ascans: 512, rows: 496, laterality: 'OD', source: 'dicom' });
    expect(volume.ascanSpacingUm).toBeCloseTo(11.5, 6);
    expect(volume.bscanSpacingUm).toBeCloseTo(120, 6);
    expect(volume.axialUmPerPixel).toBeCloseTo(3.9, 6);
    const [instance] = await new ItemRepository(database.db).listInstances(volume.seriesId);
    const text = Buffer.from(await blobs.get(instance!.blobHash)).toString('latin1');
    expect(text).not.toContain('Phantom^Retina');
    expect(text).not.toContain('PHANTOM-OCT-0005');
    // The localizer is an item of its own, not an OCT volume.
    const localizerItem = report.files[1]!.itemId!;
    await expect(new OctRepository(database.db, blobs, clock).volumeOfItem(localizerItem)).rejects.toMatchObject({ code: 'DLN_OCT_NOT_OCT_ITEM' });
  });

  it('ingests a Heyex VOL through the gate and imports its layer heights as a boundary revision', { timeout: 180_000 }, async () => {
    const bytes = Uint8Array.from(readFileSync(requireTestData('oct/heyex/vol/test_volume.vol')));
    // Declare segmentation on the first B-scan: ILM at 9.6 and BM at 30.2 (the file's own slots are empty).
    const view = new DataView(bytes.buffer);
    const first = 2048 + 50 * 50;
    view.setInt32(first + 48, 2, true);
    for (let a = 0; a < 50; a++) {
      view.setFloat32(first + 256 + a * 4, 9.6, true);
      view.setFloat32(first + 256 + (50 + a) * 4, 30.2, true);
    }
    const result = await ingestHeyex({ database, blobs, clock }, { kind: 'vol', bytes }, { ...(await settings()), importedBy: userId });
    expect(result.report).toMatchObject({ passed: 2, rejected: 0 });
    const oct = new OctRepository(database.db, blobs, clock);
    expect(await oct.volumeOfItem(result.itemId!)).toMatchObject({ bscans: 10, ascans: 50, rows: 40, source: 'heyex_vol' });
    expect(result.imported?.revision).toMatchObject({ version: 1, source: 'import', authorUserId: userId });
    const stored = decodeBoundarySet((await oct.read(result.imported!.annotationId)).bytes);
    if (!stored.ok) throw new Error(stored.reason);
    expect(heightAt(stored.set, boundaryIndex('ILM'), 0, 3)).toBeCloseTo(10.1, 5);
    expect(heightAt(stored.set, boundaryIndex('BM'), 0, 3)).toBeCloseTo(30.7, 5);
    expect(heightAt(stored.set, boundaryIndex('BM'), 1, 3)).toBeUndefined();
    const volume = await oct.volumeOfItem(result.itemId!);
    const [instance] = await new ItemRepository(database.db).listInstances(volume.seriesId);
    expect(Buffer.from(await blobs.get(instance!.blobHash)).toString('latin1')).not.toContain('Study-01');
  });

  it('refuses a Heyex XML export whose lines cross, naming them, with nothing written', async () => {
    const folder = requireTestData('oct/heyex/xml');
    const files = new Map(readdirSync(folder).map((name) => [name, new Uint8Array(readFileSync(join(folder, name)))]));
    const before = await database.db.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const refused = ingestHeyex({ database, blobs, clock }, { kind: 'xml', xml: Buffer.from(files.get('test_dummy.xml')!).toString('utf8'), files }, { ...(await settings()), importedBy: userId });
    await expect(refused).rejects.toMatchObject({ code: 'DLN_OCT_BOUNDARY_ORDER', details: { upper: 'EZ', lower: 'IZ', bscan: 0 } });
    const after = await database.db.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });
});
