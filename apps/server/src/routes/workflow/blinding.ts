import type { FastifyRequest } from 'fastify';
import { DelineateError } from '@delineate/schema';
import { assertAnnotationWritable, maskReadableBy } from '@delineate/store';
import type { ServerContext } from '../../context';
import { requestUserId } from '../../http/actor';

/**
 * The revision read path calls this: a blinded reader of a sampled item cannot read another
 * annotation of it until every reader has submitted (issue 7 §2, issue 11 §5).
 */
export async function assertBlindingAllows(ctx: ServerContext, request: FastifyRequest, annotationId: string): Promise<void> {
  if (await maskReadableBy(ctx.database.db, requestUserId(request), annotationId)) return;
  throw new DelineateError('DLN_AUTH_FORBIDDEN', "Blinded reading: other readers' masks stay hidden until every reader has submitted");
}

/**
 * The revision write path calls this before it reads the mask: the store enforces the same rule
 * again on save (only the owner writes a free annotation; a task's annotator while it is open,
 * or its assigned reviewer with a correction, writes a task's).
 */
export async function assertWorkflowAllowsWrite(ctx: ServerContext, request: FastifyRequest, annotationId: string, source: string): Promise<void> {
  await assertAnnotationWritable(ctx.database.db, { kind: 'user', userId: requestUserId(request) }, annotationId, source);
}
