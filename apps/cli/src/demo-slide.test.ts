import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobKey, LocalBlobStore, testing, type Database } from '@delineate/store';
import { syntheticSlidePhi } from '@delineate/wsi';
import { demoSlidePath, seedPathologyDemo } from './demo-slide';

describe('the pathology demo', () => {
  let database: Database;
  let blobs: LocalBlobStore;
  let dir: string;
  const clock = () => new Date();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-demo-slide-'));
    database = await testing.createTestDatabase('pglite');
    blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
  });
  afterAll(async () => {
    await blobs?.close();
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('generates the slide once and reuses the cached copy', { timeout: 300_000 }, () => {
    const cache = join(dir, 'cache-once');
    const first = demoSlidePath(cache, 1024);
    const written = statSync(first).mtimeMs;
    expect(demoSlidePath(cache, 1024)).toBe(first);
    expect(statSync(first).mtimeMs).toBe(written);
    // The source does carry the planted values (in its label, macro and descriptions).
    expect(readFileSync(first).includes(syntheticSlidePhi.patientName)).toBe(true);
  });

  it('seeds a slide project with the tissue-class schema and the synthetic slide through the gate, with no planted value in the pyramid', { timeout: 300_000 }, async () => {
    const demo = await seedPathologyDemo({ database, blobs, clock }, { cacheDir: join(dir, 'cache'), size: 2048, members: [], grantedBy: null });
    expect(demo.report!.files[0]).toMatchObject({ status: 'passed', kept: 'slide' });
    const project = await database.db.selectFrom('projects').selectAll().where('id', '=', demo.projectId).executeTakeFirstOrThrow();
    expect(project.modality).toBe('SM');
    const schema = await database.db.selectFrom('label_schemas').select('name').where('id', '=', project.label_schema_id).executeTakeFirstOrThrow();
    expect(schema.name).toBe('H&E tissue classes');
    const slide = await database.db.selectFrom('slides').selectAll().where('id', '=', demo.report!.slides![0]!.slideId).executeTakeFirstOrThrow();
    expect([slide.width, slide.height, slide.mpp, slide.magnification]).toEqual([2048, 2048, 0.25, 40]);
    const pyramid = Buffer.from(await blobs.get(slide.pyramid_hash));
    for (const value of Object.values(syntheticSlidePhi)) expect(pyramid.indexOf(Buffer.from(value, 'latin1'))).toBe(-1);
  });
});
