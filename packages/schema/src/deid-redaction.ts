import { z } from 'zod';
import { Id } from './common';

/** A rectangle a data steward draws over burned-in text on a quarantined image (pixels). */
export const RedactionRegion = z.object({
  x: z.number().int().min(0),
  y: z.number().int().min(0),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** 0-based frame; absent means every frame. */
  frame: z.number().int().min(0).optional(),
  /** A video's frame range: the last frame (inclusive) blanked from `frame` on; videos only. */
  lastFrame: z.number().int().min(0).optional(),
});
export type RedactionRegion = z.infer<typeof RedactionRegion>;

export const RedactionRequest = z.object({ regions: z.array(RedactionRegion).min(1).max(64) });
export type RedactionRequest = z.infer<typeof RedactionRequest>;

/** The job a redaction enqueues: ids and rectangles only, never PHI. */
export const RedactionJobPayload = RedactionRequest.extend({ projectId: Id, recordId: Id });
export type RedactionJobPayload = z.infer<typeof RedactionJobPayload>;

export const REDACTION_JOB_KIND = 'deid.redact';
