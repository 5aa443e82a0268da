import { DelineateError } from '@delineate/schema';
import { expect, it } from 'vitest';
import { describeStore } from '../test/describe-store';
import { fakeHash, seedProject } from '../test/fixtures';
import { AnnotationRepository } from './annotations';
import { DeidRecordRepository } from './deid-records';
import { ReviewRepository } from './reviews';
import { TaskRepository } from './tasks';

describeStore('tasks, reviews and de-identification records', (getDb) => {
  it('moves tasks through their states by compare-and-set', async () => {
    const { db } = getDb();
    const seed = await seedProject(db);
    const tasks = new TaskRepository(db);
    const task = await tasks.create({ projectId: seed.projectId, kind: 'annotate', itemId: seed.itemId, blinded: true });
    expect(task).toMatchObject({ status: 'open', assigneeId: null, blinded: true });
    const assigned = await tasks.assign(task.id, seed.userId);
    expect(assigned).toMatchObject({ status: 'assigned', assigneeId: seed.userId });
    expect((await tasks.listForAssignee(seed.userId, ['assigned'])).map((t) => t.id)).toEqual([task.id]);
    await tasks.transition(task.id, 'assigned', 'in_progress');
    await expect(tasks.transition(task.id, 'assigned', 'in_progress')).rejects.toMatchObject({ code: 'DLN_CONFLICT', details: { status: 'in_progress' } });
    await expect(tasks.transition(task.id, 'in_progress', 'done')).rejects.toMatchObject({ code: 'DLN_CONFLICT' });
    await expect(tasks.assign(task.id, seed.otherUserId)).rejects.toMatchObject({ code: 'DLN_CONFLICT' });
    await tasks.transition(task.id, 'in_progress', 'submitted');
    expect((await tasks.transition(task.id, 'submitted', 'done')).status).toBe('done');
    expect((await tasks.listForItem(seed.itemId)).map((t) => t.status)).toEqual(['done']);
    await expect(tasks.get('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'DLN_NOT_FOUND' });
  });

  it('records reviews against existing revisions and protocol items', async () => {
    const { db } = getDb();
    const seed = await seedProject(db);
    const annotations = new AnnotationRepository(db);
    const annotation = await annotations.create({ projectId: seed.projectId, itemId: seed.itemId, labelSchema: { id: seed.labelSchemaId, version: 1 } });
    await annotations.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author: { kind: 'user', userId: seed.userId }, source: 'human', maskHash: fakeHash(1), maskEncoding: 'rle' });
    const reviews = new ReviewRepository(db);
    const base = {
      revision: { annotationId: annotation.id, version: 1 },
      reviewerId: seed.otherUserId,
      protocol: { id: seed.reviewProtocolId, version: 1 },
      signedAt: new Date('2026-02-01T12:00:00Z'),
    };
    const review = await reviews.record({
      ...base,
      answers: [{ itemKey: 'margin', passed: false, note: 'misses the caudate lobe' }],
      decision: 'correct',
      corrections: [{ labelKey: 'liver', errorType: 'under_segmentation' }],
    });
    expect(review).toMatchObject({ decision: 'correct', signedAt: '2026-02-01T12:00:00.000Z', corrections: [{ errorType: 'under_segmentation' }] });
    expect(await reviews.listForAnnotation(annotation.id)).toEqual([review]);
    await expect(reviews.record({ ...base, answers: [{ itemKey: 'unknown', passed: true }], decision: 'accept', corrections: [] })).rejects.toMatchObject({
      code: 'DLN_REQUEST_INVALID',
    });
    await expect(reviews.record({ ...base, answers: [], decision: 'correct', corrections: [] })).rejects.toBeInstanceOf(DelineateError);
    await expect(
      reviews.record({ ...base, revision: { annotationId: annotation.id, version: 2 }, answers: [], decision: 'reject', corrections: [] }),
    ).rejects.toMatchObject({ code: 'DLN_NOT_FOUND' });
  });

  it('answers the gate only for passed de-identification records', async () => {
    const { db } = getDb();
    const seed = await seedProject(db);
    const records = new DeidRecordRepository(db);
    const common = {
      projectId: seed.projectId,
      sourceHash: fakeHash(10),
      profile: 'basic' as const,
      options: ['clean-pixel-data' as const],
      actions: [{ path: '(0010,0010)', action: 'dummy' as const }],
      pixelRegionsRedacted: [{ frame: 0, x: 0, y: 0, width: 100, height: 20 }],
    };
    const quarantined = await records.record({ ...common, outputHash: fakeHash(11), findings: [{ code: 'BURNED_IN_TEXT', message: 'text remains in frame 0' }], status: 'quarantined' });
    await expect(records.requirePassed(seed.projectId, fakeHash(11))).rejects.toMatchObject({ code: 'DLN_DEID_QUARANTINED' });
    const passed = await records.record({ ...common, outputHash: fakeHash(12), findings: [], status: 'passed' });
    expect(await records.requirePassed(seed.projectId, fakeHash(12))).toEqual(passed);
    expect(await records.get(quarantined.id)).toEqual(quarantined);
    expect((await records.listForSource(seed.projectId, fakeHash(10))).map((r) => r.status)).toEqual(['quarantined', 'passed']);
    await expect(records.record({ ...common, outputHash: null, findings: [], status: 'passed' })).rejects.toMatchObject({ code: 'DLN_REQUEST_INVALID' });
  });
});
