import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeidRecordRepository, ItemRepository, registerSlidePyramid } from '@delineate/store';
import type { Harness } from './harness';

function vips(args: string[]): void {
  const run = spawnSync('vips', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`vips failed: ${run.stderr}`);
}

/** A grey-noise RGB slide converted as ingest converts (pyramidal JPEG BigTIFF, 256² tiles), in `dir`. */
export function makeTestPyramid(dir: string, width: number, height: number): string {
  vips(['gaussnoise', join(dir, 'noise.v'), String(width), String(height), '--mean', '128', '--sigma', '40']);
  vips(['cast', join(dir, 'noise.v'), join(dir, 'grey.v'), 'uchar']);
  vips(['bandjoin', `${join(dir, 'grey.v')} ${join(dir, 'grey.v')} ${join(dir, 'grey.v')}`, join(dir, 'rgb.v')]);
  const path = join(dir, 'slide.tif');
  vips(['tiffsave', join(dir, 'rgb.v'), path, '--tile', '--pyramid', '--compression', 'jpeg', '--Q', '85', '--bigtiff', '--tile-width', '256', '--tile-height', '256']);
  return path;
}

/**
 * The pyramid at `path` registered in the seeded project (its gate record first, as ingest
 * leaves it) with one slide-region item over the whole slide.
 */
export async function registerTestSlide(h: Harness, path: string, mpp: number | null = null): Promise<{ itemId: string; slideId: string; pyramidHash: string; subjectId: string }> {
  const db = h.database.db;
  const { subject_id: subjectId } = await db.selectFrom('items').select('subject_id').where('id', '=', h.seeded.itemId).executeTakeFirstOrThrow();
  const pyramid = new Uint8Array(readFileSync(path));
  const hash = createHash('sha256').update(pyramid).digest('hex');
  await new DeidRecordRepository(db).record({ projectId: h.seeded.projectId, sourceHash: hash.replace(/^./, 'a'), outputHash: hash, profile: 'basic', options: [], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
  const slide = await registerSlidePyramid(db, h.server.context.blobs, { subjectId, pyramid, mpp });
  const region = { x: 0, y: 0, width: slide.width, height: slide.height };
  const item = await new ItemRepository(db).createItem({ projectId: h.seeded.projectId, subjectId, target: { kind: 'slide_region', slideId: slide.slideId, region } });
  return { itemId: item.id, slideId: slide.slideId, pyramidHash: slide.pyramidHash, subjectId };
}
