import type { FastifyRequest } from 'fastify';
import { DelineateError } from '@delineate/schema';
import { annotationWritableBy, maskReadableBy } from '@delineate/store';
import type { ServerContext } from '../../context';
import { requestUserId } from '../../http/actor';

/**
 * The revision read path calls this: a blinded reader of a sampled item cannot read another
 * reader's annotation of it until every reader has submitted (issue 7 §2).
 */
export async function assertBlindingAllows(ctx: ServerContext, request: FastifyRequest, annotationId: string): Promise<void> {
  if (await maskReadableBy(ctx.database.db, requestUserId(request), annotationId)) return;
  throw new DelineateError('DLN_AUTH_FORBIDDEN', "Blinded reading: other readers' masks stay hidden until every reader has submitted");
}

/**
 * The revision write path calls this: a workflow annotation takes revisions only from its
 * annotator while the task is open to them, or a correction from its assigned reviewer.
 */
export async function assertWorkflowAllowsWrite(ctx: ServerContext, request: FastifyRequest, annotationId: string, source: string): Promise<void> {
  if (await annotationWritableBy(ctx.database.db, requestUserId(request), annotationId, source)) return;
  throw new DelineateError('DLN_AUTH_FORBIDDEN', "Only the task's annotator while it is open, or its assigned reviewer with a correction, saves to this annotation");
}
