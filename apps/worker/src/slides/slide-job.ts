import { DelineateError, errorCodes, SLIDE_INGEST_JOB_KIND, SlideIngestJobPayload, type ErrorCode } from '@delineate/schema';
import { JobQueue } from '@delineate/store';
import { projectDeidSettings } from '../project-deid';
import type { JobHandler } from '../worker';
import { ingestSlide, type SlideIngestStage } from './ingest-slide';

export const SLIDE_INGEST_JOB = SLIDE_INGEST_JOB_KIND;

/** Stage weights of the overall percent: conversion is most of the time. */
const stageSpan: Record<SlideIngestStage, readonly [number, number]> = { read: [0, 5], convert: [5, 85], gate: [85, 95], store: [95, 100] };

/**
 * The slide ingest job: converts and gates one slide (see {@link ingestSlide}), reporting its
 * progress on the job (at most once per percent) and naming the item it made. A rejected slide
 * fails the job with its code; a quarantined one completes (its record waits for a steward).
 */
export function slideIngestJobHandler(): JobHandler {
  return async (job, context) => {
    const parsed = SlideIngestJobPayload.safeParse(job.payload);
    if (!parsed.success) throw new DelineateError('DLN_REQUEST_INVALID', 'Malformed slide ingest job');
    const queue = new JobQueue(context.database.db, { clock: context.clock });
    const settings = await projectDeidSettings(context, parsed.data.projectId);
    let last = -1;
    let reporting: Promise<unknown> = Promise.resolve();
    const report = await ingestSlide(context, parsed.data.source, {
      projectId: parsed.data.projectId,
      ...settings,
      onProgress: (stage, percent) => {
        const [from, to] = stageSpan[stage];
        const overall = Math.floor(from + ((to - from) * percent) / 100);
        if (overall === last) return;
        last = overall;
        reporting = reporting.then(() => queue.reportProgress(job.id, { stage, percent: overall }));
      },
    });
    await reporting;
    const file = report.files[0];
    if (file?.status === 'rejected') throw new DelineateError(file.code && file.code in errorCodes ? (file.code as ErrorCode) : 'DLN_SLIDE_CONVERSION_FAILED', file.reason ?? 'The slide was rejected');
    const slide = report.slides?.[0];
    return slide ? { objectType: 'item', objectId: slide.itemId, projectId: parsed.data.projectId } : { objectType: 'deid_record', objectId: file?.recordId ?? null, projectId: parsed.data.projectId };
  };
}
