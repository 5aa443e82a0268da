import { deidentifyDicom, stewardFinding, type DeidGate, type IodValidator, type PixelStage } from '@delineate/deid';
import { DelineateError, GATE_CHECK_JOB_KIND, GateCheckJobPayload } from '@delineate/schema';
import { QuarantineReviewRepository, type GateCheckOutcome } from '@delineate/store';
import type { IngestDeps } from './ingest';
import { projectDeidSettings } from './project-deid';
import { isQuarantinedVideo } from './video/redact-video';
import { checkQuarantinedVideoGate } from './video/video-gate-check';
import type { JobHandler } from './worker';

export const GATE_CHECK_JOB = GATE_CHECK_JOB_KIND;

export interface GateCheckResult {
  outcome: GateCheckOutcome;
  /** Steward findings: what still holds the file back and where, never a value. */
  findings: ReturnType<typeof stewardFinding>[];
}

/**
 * A trial of the gate for a data steward: the quarantined source with the steward's rectangles
 * blanked goes through de-identification, the pixel check and the verifier exactly as at
 * ingest, but nothing is recorded except the outcome on the check. A release then runs the same
 * rectangles through the real ingest (`redactQuarantined`), so what passed here is what is kept.
 */
export async function checkQuarantinedGate(deps: IngestDeps, payload: GateCheckJobPayload, pixelStage: PixelStage, validator: IodValidator | null, gate: DeidGate = deidentifyDicom): Promise<GateCheckResult> {
  const record = await deps.database.db.selectFrom('deid_records').select(['project_id', 'source_hash', 'status']).where('id', '=', payload.recordId).executeTakeFirst();
  if (!record || record.project_id !== payload.projectId) throw new DelineateError('DLN_NOT_FOUND', 'De-identification record not found');
  if (record.status !== 'quarantined') throw new DelineateError('DLN_DEID_NOT_QUARANTINED', 'Only a quarantined file can be checked again');
  const source = await deps.blobs.get(record.source_hash);
  const { secret, options, pseudonyms } = await projectDeidSettings(deps, payload.projectId);
  const result = await gate(
    source,
    { secret, options, pseudonyms, pixelStage, ...(validator ? { validator } : {}) },
    payload.regions.map((r) => ({ ...r, source: 'steward' as const })),
  );
  const outcome: GateCheckOutcome = result.record.status === 'passed' && result.output ? 'passes' : 'fails';
  const findings = result.record.findings.map(stewardFinding);
  await new QuarantineReviewRepository(deps.database.db).finishCheck(payload.checkId, outcome, findings, deps.clock());
  return { outcome, findings };
}

/** The gate-check job; like the redaction job, pass an isolating `gate` where the process also serves the API. */
export function gateCheckJobHandler(pixelStage: () => PixelStage, validator: () => IodValidator, gate?: DeidGate): JobHandler {
  return async (job, context) => {
    const parsed = GateCheckJobPayload.safeParse(job.payload);
    if (!parsed.success) throw new DelineateError('DLN_REQUEST_INVALID', 'Malformed gate check job');
    // A video's trial decodes the clip again with the rectangles blacked out (issue 21).
    if (await isQuarantinedVideo(context, parsed.data.recordId)) await checkQuarantinedVideoGate(context, parsed.data);
    else await checkQuarantinedGate(context, parsed.data, pixelStage(), validator(), gate);
  };
}
