import { z } from 'zod';
import { Id } from './common';

/**
 * Browser upload (issue 14): the states a file of an upload batch goes through, the status the
 * Upload page polls, and the gate job a closed batch enqueues (ids only, never PHI).
 */
export const uploadFileStates = ['uploading', 'waiting', 'gating', 'passed', 'quarantined', 'rejected', 'duplicate'] as const;
export const UploadFileState = z.enum(uploadFileStates);
export type UploadFileState = z.infer<typeof UploadFileState>;

/** The words a person reads for each state. */
export const uploadFileStateWords: Readonly<Record<UploadFileState, string>> = {
  uploading: 'uploading',
  waiting: 'waiting for the gate',
  gating: 'in the de-identification gate',
  passed: 'passed',
  quarantined: 'quarantined',
  rejected: 'rejected',
  duplicate: 'duplicate',
};

export const UploadOutcome = z.object({
  passed: z.number().int().min(0),
  quarantined: z.number().int().min(0),
  rejected: z.number().int().min(0),
  duplicates: z.number().int().min(0),
});
export type UploadOutcome = z.infer<typeof UploadOutcome>;

export const UploadFileStatus = z.object({
  id: Id,
  name: z.string(),
  size: z.number().int(),
  received: z.number().int(),
  state: UploadFileState,
  stateWords: z.string(),
  /** A stable DLN_ code for every answer but passed. */
  code: z.string().nullable(),
  /** Why, in plain words (never a value from the file). */
  reason: z.string().nullable(),
  /** For an archive, what became of each of its files. */
  outcome: UploadOutcome.nullable(),
});
export type UploadFileStatus = z.infer<typeof UploadFileStatus>;

export const UploadCounts = z.object({
  files: z.number().int(),
  uploading: z.number().int(),
  waiting: z.number().int(),
  gating: z.number().int(),
  passed: z.number().int(),
  quarantined: z.number().int(),
  rejected: z.number().int(),
  duplicates: z.number().int(),
});
export type UploadCounts = z.infer<typeof UploadCounts>;

export const UploadBatchStatus = z.object({
  id: Id,
  projectId: Id,
  createdAt: z.string(),
  closedAt: z.string().nullable(),
  /** True once the gate has answered for every file. */
  finished: z.boolean(),
  files: z.array(UploadFileStatus),
  counts: UploadCounts,
});
export type UploadBatchStatus = z.infer<typeof UploadBatchStatus>;

export const UPLOAD_GATE_JOB_KIND = 'ingest.upload';
export const UploadGateJobPayload = z.object({ projectId: Id, batchId: Id });
export type UploadGateJobPayload = z.infer<typeof UploadGateJobPayload>;
