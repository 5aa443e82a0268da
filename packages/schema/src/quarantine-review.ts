import { z } from 'zod';
import { Id } from './common';
import { RedactionRequest } from './deid-redaction';

/**
 * A data steward's trial of the gate: the quarantined source with the steward's rectangles
 * blanked goes through the whole gate again, and only its outcome is kept (nothing becomes an
 * instance). Releasing then runs the same rectangles for real.
 */
export const GATE_CHECK_JOB_KIND = 'deid.gate_check';

/** Ids and rectangles only, never PHI. */
export const GateCheckJobPayload = RedactionRequest.extend({ projectId: Id, recordId: Id, checkId: Id });
export type GateCheckJobPayload = z.infer<typeof GateCheckJobPayload>;

const note = z.string().trim().max(2000);

/** Releasing a file the gate now passes; the note is optional. */
export const QuarantineDecisionRequest = z.object({ note: note.optional() });
export type QuarantineDecisionRequest = z.infer<typeof QuarantineDecisionRequest>;

/** Rejecting a file for good needs the steward's reason. */
export const QuarantineRejectRequest = z.object({ note: note.min(1, 'A rejection needs a note saying why') });
export type QuarantineRejectRequest = z.infer<typeof QuarantineRejectRequest>;
