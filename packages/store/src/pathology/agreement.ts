import { detectionAgreement, iccAbsoluteAgreement, majorityPoints, type MarkedPoint } from '@delineate/core';
import type { Cell, SlideRegion, TaskField } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../blob/types';
import { LabelSchemaRepository } from '../repositories/label-schemas';
import type { DB } from '../sql/tables';
import { itemGrid } from '../workflow/grid';
import { readLabelVolume } from '../workflow/metrics';
import { readConfig } from '../workflow/repository';
import { cellsOf } from './cell-set';
import { CellStore } from './cells';
import { SlideRegionRepository } from './regions';
import { tissueDiceAtMagnification } from './tissue-agreement';

/** Agreement of the readers of one region (issue 17 §3), for the agreement report and release documents. */
export interface RegionAgreement {
  regionId: string;
  itemId: string;
  readers: Array<{ taskId: string; readerId: string | null }>;
  cells: Array<{
    classKey: string;
    className: string;
    radiusUm: number;
    pairs: Array<{ a: number; b: number; matched: number; countA: number; countB: number; precision: number | null; recall: number | null; f1: number | null }>;
    /** ICC(A,1): two-way random effects, absolute agreement, single reader, of counts per field. */
    countIcc: number | null;
    consensus: Array<{ x: number; y: number; votes: number }>;
  }>;
  tissue: Array<{ labelKey: string; labelName: string; magnification: number; pairs: Array<{ a: number; b: number; dice: number | null }> }>;
}

const finite = (v: number) => (Number.isFinite(v) ? v : null);

export async function regionAgreement(
  db: Kysely<DB>,
  blobs: Pick<BlobStore, 'get'>,
  region: SlideRegion,
  readCells: (taskId: string) => Promise<readonly Cell[]>,
  fields: (taskId: string) => Promise<TaskField[]>,
): Promise<RegionAgreement> {
  const tasks = await db
    .selectFrom('tasks as t')
    .leftJoin('annotations as a', 'a.task_id', 't.id')
    .select(['t.id', 't.assignee_id', 'a.id as annotation_id', 'a.head_version'])
    .where('t.item_id', '=', region.itemId)
    .where('t.kind', '=', 'annotate')
    .orderBy('t.created_at')
    .orderBy('t.id')
    .execute();
  const readerCells = await Promise.all(tasks.map((t) => readCells(t.id)));
  const boxes = tasks.length > 0 ? await fields(tasks[0]!.id) : [];
  const mpp = region.slideMpp;
  const cellResults = region.template.cellClasses.map((cls) => {
    const points: MarkedPoint[][] = readerCells.map((list) => list.filter((c) => c.classKey === cls.key).map((c) => ({ x: c.x, y: c.y })));
    const radiusPx = cls.matchRadiusUm / mpp;
    const pairs = [];
    for (let a = 0; a < points.length; a++) {
      for (let b = a + 1; b < points.length; b++) {
        const r = detectionAgreement(points[a]!, points[b]!, radiusPx);
        pairs.push({ a, b, matched: r.matched, countA: r.countA, countB: r.countB, precision: finite(r.precision), recall: finite(r.recall), f1: finite(r.f1) });
      }
    }
    const counts = boxes.map((f) => points.map((list) => list.filter((p) => p.x >= f.box.x && p.x < f.box.x + f.box.width && p.y >= f.box.y && p.y < f.box.y + f.box.height).length));
    return {
      classKey: cls.key,
      className: cls.name,
      radiusUm: cls.matchRadiusUm,
      pairs,
      countIcc: finite(iccAbsoluteAgreement(counts)),
      consensus: majorityPoints(points, radiusPx).map((p) => ({ x: p.x, y: p.y, votes: p.votes })),
    };
  });
  const tissue: RegionAgreement['tissue'] = [];
  const painted = tasks.filter((t) => t.annotation_id && (t.head_version ?? 0) > 0);
  if (painted.length >= 2 && region.template.labelKeys.length > 0) {
    const config = await readConfig(db, region.projectId);
    const schema = await new LabelSchemaRepository(db).get(config.labelSchema.id, config.labelSchema.version);
    const labels = schema.labels.filter((l) => region.template.labelKeys.includes(l.key));
    const grid = await itemGrid(db, region.itemId);
    const volumes = await Promise.all(painted.map((t) => readLabelVolume(db, blobs, { annotationId: t.annotation_id!, version: t.head_version! }, grid)));
    const byLabel = new Map(labels.map((l) => [l.key, [] as Array<{ a: number; b: number; dice: number | null }>]));
    for (let a = 0; a < volumes.length; a++) {
      for (let b = a + 1; b < volumes.length; b++) {
        const dice = tissueDiceAtMagnification(volumes[a]!, volumes[b]!, region.bounds.width, region.bounds.height, region.targetDownsample, labels.map((l) => l.value));
        const ia = tasks.indexOf(painted[a]!), ib = tasks.indexOf(painted[b]!);
        for (const l of labels) byLabel.get(l.key)!.push({ a: ia, b: ib, dice: finite(dice.get(l.value)!) });
      }
    }
    for (const l of labels) tissue.push({ labelKey: l.key, labelName: l.name, magnification: region.template.magnification, pairs: byLabel.get(l.key)! });
  }
  return { regionId: region.id, itemId: region.itemId, readers: tasks.map((t) => ({ taskId: t.id, readerId: t.assignee_id })), cells: cellResults, tissue };
}

/** Agreement of every pathology region among `itemIds` (for the release documents), in item order. */
export async function regionAgreementsOf(db: Kysely<DB>, blobs: Pick<BlobStore, 'get'>, itemIds: readonly string[]): Promise<RegionAgreement[]> {
  const regions = new SlideRegionRepository(db, { blobs, requirements: {} });
  // Reads only: the store is never asked to write here.
  const cells = new CellStore(db, { get: (hash) => blobs.get(hash), put: () => Promise.reject(new Error('read only')) }, () => new Date(0));
  const out: RegionAgreement[] = [];
  for (const itemId of itemIds) {
    const region = await regions.ofItem(itemId);
    if (!region) continue;
    out.push(await regionAgreement(db, blobs, region, async (taskId) => cellsOf((await cells.read(taskId, region)).columns), (taskId) => regions.fields(taskId)));
  }
  return out;
}
