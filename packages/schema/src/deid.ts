import { z } from 'zod';
import { Id, Sha256Hex, Timestamp } from './common';
import { DeidAction, DeidOptionName, DeidProfile, DeidStatus } from './vocabularies';

/** An action applied to one attribute path (e.g. `(0010,0010)`); never the raw value. */
export const DeidAttributeAction = z.object({ path: z.string().min(1).max(256), action: DeidAction });
export type DeidAttributeAction = z.infer<typeof DeidAttributeAction>;

export const RedactedRegion = z.object({
  frame: z.number().int().min(0),
  x: z.number().int().min(0),
  y: z.number().int().min(0),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type RedactedRegion = z.infer<typeof RedactedRegion>;

export const DeidFinding = z.object({
  code: z.string().regex(/^[A-Z0-9_]+$/),
  path: z.string().max(256).optional(),
  message: z.string().max(500),
});
export type DeidFinding = z.infer<typeof DeidFinding>;

export const DeidRecord = z
  .object({
    id: Id,
    projectId: Id,
    sourceHash: Sha256Hex,
    outputHash: Sha256Hex.nullable(),
    profile: DeidProfile,
    options: z.array(DeidOptionName),
    actions: z.array(DeidAttributeAction),
    pixelRegionsRedacted: z.array(RedactedRegion),
    findings: z.array(DeidFinding),
    status: DeidStatus,
    createdAt: Timestamp,
  })
  .refine((r) => r.status !== 'passed' || r.outputHash !== null, { message: 'a passed record needs an output hash', path: ['outputHash'] });
export type DeidRecord = z.infer<typeof DeidRecord>;
