import { encodeRle8, RLE8 } from '@delineate/core';
import { AnnotationRepository, blobAddress, computeItemAgreement, type BlobStore, type Clock, type Database, type WorkflowRepository } from '@delineate/store';

/**
 * The demo's seeded work: on one item of the agreement sample, every reader's annotation is
 * drawn and submitted, and the item's agreement computed, so the QA dashboard shows agreement
 * figures as soon as the demo starts. The first reader draws the phantom's ground truth; the
 * others draw it as a person would get it a little wrong (a lesion's rim left out, the liver's
 * top slice missed), so the figures are not a trivial 1.
 */
export async function seedAgreementWork(
  deps: { database: Database; blobs: BlobStore; clock: Clock },
  workflow: WorkflowRepository,
  input: { projectId: string; itemId: string; truth: Uint8Array; dims: readonly [number, number, number] },
): Promise<{ readers: number }> {
  const db = deps.database.db;
  const annotations = new AnnotationRepository(db, { blobs: deps.blobs, clock: deps.clock });
  const config = await workflow.config(input.projectId);
  const tasks = (await workflow.listTasks(input.projectId, { stage: 'annotate' })).filter((t) => t.itemId === input.itemId);
  for (const [reader, task] of tasks.entries()) {
    const assignee = task.assigneeId!;
    const annotation = await annotations.create({ projectId: input.projectId, itemId: task.itemId, taskId: task.id, labelSchema: config.labelSchema, createdBy: assignee });
    const bytes = encodeRle8(reader === 0 ? input.truth : lessCarefulReading(input.truth, input.dims));
    await annotations.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author: { kind: 'user', userId: assignee }, source: 'human', maskHash: blobAddress(bytes), maskEncoding: RLE8, maskBytes: bytes });
    await workflow.submitAnnotation({ taskId: task.id, userId: assignee, annotationId: annotation.id });
  }
  // The job queued by the last submission would compute the same; computing here means the
  // dashboard has figures before the worker first runs.
  await computeItemAgreement(db, deps.blobs, { itemId: input.itemId }, deps.clock);
  return { readers: tasks.length };
}

const liver = 1;
const lesion = 2;

/** The truth with each lesion's in-plane rim drawn as liver and the liver's top slice left out. */
export function lessCarefulReading(truth: Uint8Array, dims: readonly [number, number, number]): Uint8Array {
  const [columns, rows, slices] = dims;
  const out = truth.slice();
  const plane = columns * rows;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] !== lesion) continue;
    const x = i % columns;
    const y = Math.floor(i / columns) % rows;
    const rim = x === 0 || y === 0 || x === columns - 1 || y === rows - 1 || [i - 1, i + 1, i - columns, i + columns].some((j) => truth[j] !== lesion);
    if (rim) out[i] = liver;
  }
  for (let z = slices - 1; z >= 0; z--) {
    const slice = out.subarray(z * plane, (z + 1) * plane);
    if (!slice.includes(liver)) continue;
    for (let k = 0; k < slice.length; k++) if (slice[k] === liver) slice[k] = 0;
    break;
  }
  return out;
}
