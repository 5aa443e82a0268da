import { z } from 'zod';
import { Id, Sha256Hex, Timestamp } from './common';
import { AuditOutcome, Role } from './vocabularies';

/** One entry of the tamper-evident access log; `hash` chains over `previousHash`. */
export const AuditEvent = z.object({
  sequence: z.number().int().min(1),
  time: Timestamp,
  actorId: Id.nullable(),
  role: Role.nullable(),
  sessionId: z.string().max(128).nullable(),
  address: z.string().max(64).nullable(),
  action: z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/),
  objectType: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
  objectId: z.string().max(128).nullable(),
  projectId: Id.nullable(),
  subjectPseudonym: z.string().max(64).nullable(),
  purpose: z.string().max(200).nullable(),
  outcome: AuditOutcome,
  previousHash: Sha256Hex.nullable(),
  hash: Sha256Hex,
});
export type AuditEvent = z.infer<typeof AuditEvent>;
