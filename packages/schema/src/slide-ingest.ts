import { z } from 'zod';
import { Id } from './common';

export const SLIDE_INGEST_JOB_KIND = 'slide.ingest';

/** A slide waiting in the worker's spool: a file (SVS, NDPI, MRXS, TIFF) or one DICOM series' instances. */
export const SlideIngestJobPayload = z.object({
  projectId: Id,
  source: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('file'), path: z.string().min(1) }),
    z.object({ kind: z.literal('dicom'), paths: z.array(z.string().min(1)).min(1) }),
  ]),
});
export type SlideIngestJobPayload = z.infer<typeof SlideIngestJobPayload>;
