import { z } from 'zod';
import { Id, Slug, Timestamp } from './common';
import { ModelManifest } from './models';
import { JobStatus, ModelRuntime, Region } from './vocabularies';

/**
 * A registered pre-annotation model; revisions it produces carry its name and version. Models
 * registered through a project carry its id and their full manifest (issue 18); older rows
 * have neither.
 */
export const Model = z.object({
  id: Id,
  projectId: Id.nullable(),
  manifest: ModelManifest.nullable(),
  name: z.string().min(1).max(128),
  version: z.string().min(1).max(64),
  labelKeys: z.array(Slug).min(1),
  runtime: ModelRuntime,
  region: Region,
  createdAt: Timestamp,
});
export type Model = z.infer<typeof Model>;

export const JobKind = z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/, 'expected a job kind like ingest.series');

/** Queued work; the payload is interpreted by the worker that handles `kind` and never holds PHI. */
export const Job = z.object({
  id: Id,
  kind: JobKind,
  region: Region,
  payload: z.record(z.string(), z.json()),
  status: JobStatus,
  attempts: z.number().int().min(0),
  maxAttempts: z.number().int().min(1),
  runAt: Timestamp,
  lockedBy: z.string().nullable(),
  lockedAt: Timestamp.nullable(),
  lastError: z.string().nullable(),
  createdAt: Timestamp,
  finishedAt: Timestamp.nullable(),
});
export type Job = z.infer<typeof Job>;
