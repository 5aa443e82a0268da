import type { DeidGate, IodValidator, PixelStage } from '@delineate/deid';
import { DelineateError, errorCodes, REDACTION_JOB_KIND, RedactionJobPayload, type ErrorCode } from '@delineate/schema';
import { ingestDicom, type IngestDeps, type IngestReport } from './ingest';
import { projectDeidSettings } from './project-deid';
import { isQuarantinedVideo, redactQuarantinedVideo } from './video/redact-video';
import type { JobHandler } from './worker';

export const REDACT_JOB = REDACTION_JOB_KIND;
export const RedactPayload = RedactionJobPayload;
export type RedactPayload = RedactionJobPayload;

/**
 * Runs a quarantined source through the whole gate again with the steward's rectangles blanked
 * first (the pixel check and the verifier then decide again). A new DeidRecord is written; when
 * it passes, the file becomes an instance like any other.
 */
export async function redactQuarantined(deps: IngestDeps, payload: RedactPayload, pixelStage: PixelStage, validator: IodValidator | null, gate?: DeidGate): Promise<IngestReport> {
  const record = await deps.database.db
    .selectFrom('deid_records')
    .select(['project_id', 'source_hash', 'status'])
    .where('id', '=', payload.recordId)
    .executeTakeFirst();
  if (!record || record.project_id !== payload.projectId) throw new DelineateError('DLN_NOT_FOUND', 'De-identification record not found');
  if (record.status !== 'quarantined') throw new DelineateError('DLN_CONFLICT', 'Only a quarantined file can be redacted');
  const source = await deps.blobs.get(record.source_hash);
  const settings = await projectDeidSettings(deps, payload.projectId);
  return ingestDicom(deps, [source], {
    projectId: payload.projectId,
    ...settings,
    pixelStage,
    validator,
    stewardRegions: payload.regions.map((r) => ({ ...r, source: 'steward' })),
    ...(gate ? { gate } : {}),
  });
}

/**
 * The redaction job. `validator` gives the IOD check (dciodvfy) the redacted file must pass, as
 * at ingest. A quarantined file is untrusted input: where the process also serves the API, pass
 * a `gate` that runs it in a worker thread with its own memory limits, so a file that blows up
 * decoding ends that thread with a coded rejection, not the server.
 */
export function redactJobHandler(pixelStage: () => PixelStage, validator: () => IodValidator, gate?: DeidGate): JobHandler {
  return async (job, context) => {
    const parsed = RedactPayload.safeParse(job.payload);
    if (!parsed.success) throw new DelineateError('DLN_REQUEST_INVALID', 'Malformed redaction job');
    // A video's redaction re-encodes the clip with the rectangles blacked out (issue 21).
    const report = (await isQuarantinedVideo(context, parsed.data.recordId)) ? await redactQuarantinedVideo(context, parsed.data, undefined, validator()) : await redactQuarantined(context, parsed.data, pixelStage(), validator(), gate);
    // A rejected file fails the job, with its code: the job's audit event must not read as done.
    const rejected = report.files.find((file) => file.status === 'rejected');
    if (rejected) throw new DelineateError(rejected.code && rejected.code in errorCodes ? (rejected.code as ErrorCode) : 'DLN_DEID_FAILED', rejected.reason ?? 'The redacted file was rejected');
  };
}
