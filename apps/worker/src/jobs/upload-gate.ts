import type { DeidGate, IodValidator, PixelStage } from '@delineate/deid';
import { expandZip } from '@delineate/formats';
import { DelineateError, isDelineateError, UPLOAD_GATE_JOB_KIND, UploadGateJobPayload, type UploadOutcome } from '@delineate/schema';
import { isRasterPhotograph, isVideoContainer, isZipArchive, UploadStaging, type BlobKey, type UploadFile } from '@delineate/store';
import { type IngestDeps, type IngestFileReport } from '../ingest';
import { ingestBatch } from '../ingest-batch';
import { ingestPhotographs } from '../fundus-upload';
import { projectDeidSettings } from '../project-deid';
import { ingestUploadedVideo } from '../video/upload-video';
import type { JobHandler } from '../worker';
import { quarantineWords } from './quarantine-words';
import { importUploadedNifti, isNiftiUpload } from './upload-nifti';

export { UPLOAD_GATE_JOB_KIND };

/** The gate's tools, started by the process that owns them (the OCR engine, the IOD check). */
export interface UploadGateTools {
  /** The OCR pixel stage; without one, a file that needs a pixel check is quarantined. */
  readonly pixelStage?: () => PixelStage;
  /** The IOD check (dciodvfy); null skips it, which a caller must justify (as IngestOptions.validator). */
  readonly validator: () => IodValidator | null;
  /** Runs each file in a worker thread with memory limits where the process also serves the API. */
  readonly gate?: DeidGate;
}

const DICOMDIR_CLASS = '1.2.840.10008.1.3.10';

/** A DICOMDIR names the files of its folder, which arrive beside it; it is followed, not ingested. */
function isDicomdir(name: string, bytes: Uint8Array): boolean {
  if (/(^|\/)DICOMDIR$/i.test(name)) return true;
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024));
  return head.toString('latin1').includes(DICOMDIR_CLASS);
}

/** What goes through the gate from one uploaded file: itself, or the files of its archive. */
function gateInputs(file: UploadFile, bytes: Uint8Array): Uint8Array[] {
  if (isZipArchive(bytes)) return expandZip(bytes).filter((member) => !isDicomdir(member.path, member.bytes)).map((member) => member.bytes);
  if (isDicomdir(file.name, bytes)) return [];
  return [bytes];
}

const emptyOutcome = (): { -readonly [K in keyof UploadOutcome]: number } => ({ passed: 0, quarantined: 0, rejected: 0, duplicates: 0 });

/** One uploaded file's answer from its reports: the gravest state first, so a quarantined member shows. */
function settleFrom(reports: readonly IngestFileReport[]): { state: 'passed' | 'quarantined' | 'rejected' | 'duplicate'; code: string | null; reason: string | null; outcome: UploadOutcome } {
  const outcome = emptyOutcome();
  for (const r of reports) {
    if (r.status === 'duplicate') outcome.duplicates += 1;
    else outcome[r.status] += 1;
  }
  const first = (status: IngestFileReport['status']) => reports.find((r) => r.status === status);
  const grave = first('quarantined') ?? first('rejected') ?? first('duplicate');
  if (!grave) {
    // A slide becomes a whole-slide item, not a slice of a volume: the uploader is told which.
    const slide = reports.length > 0 && reports.every((r) => r.kept === 'slide');
    return { state: 'passed', code: null, reason: slide ? 'Passed the slide gate: kept as a whole-slide image' : null, outcome };
  }
  const prefix = reports.length > 1 ? `${reports.filter((r) => r.status === grave.status).length} of ${reports.length} files: ` : '';
  const reason = grave.status === 'quarantined' ? quarantineWords(grave.reason ?? '') : (grave.reason ?? '');
  return { state: grave.status as 'quarantined' | 'rejected' | 'duplicate', code: grave.code ?? null, reason: `${prefix}${reason}`, outcome };
}

/**
 * The gate job of a closed upload batch: every waiting file of the batch (an archive expanded
 * into its files, a DICOMDIR followed through the files of its folder) goes through the ingest
 * gate in one run (`ingestBatch`, as `delineate ingest`), so a series' slices become one volume
 * and a slide goes through the slide gate. A NIfTI label map is then imported onto the item of
 * the series it was made on (`importUploadedNifti`). Each uploaded file then gets its answer and
 * its staged bytes are deleted.
 */
export async function gateUploadBatch(deps: IngestDeps, key: BlobKey, payload: UploadGateJobPayload, tools: UploadGateTools): Promise<void> {
  const staging = new UploadStaging(deps.database.db, { key, clock: deps.clock, maxFileBytes: Number.MAX_SAFE_INTEGER });
  const files = await staging.takeWaiting(payload.batchId);
  const inputs: Uint8Array[] = [];
  const owners: Array<{ file: UploadFile; from: number; count: number; refusal?: DelineateError; dicomdir?: boolean }> = [];
  // Label maps wait for the series of the batch: they are matched to the items the gate makes.
  const labelMaps: Array<{ file: UploadFile; bytes: Uint8Array }> = [];
  const photos: Array<{ file: UploadFile; bytes: Uint8Array }> = [];
  for (const file of files) {
    const bytes = await staging.content(file.id);
    // An MP4 or MOV clip goes through the video gate on its own (issue 21).
    if (isVideoContainer(bytes)) {
      await staging.settle(file.id, ...settleVideo(await ingestUploadedVideo(deps, payload.projectId, bytes)));
      continue;
    }
    // A PNG or JPEG is wrapped as an Ophthalmic Photography instance with the eye named on the form.
    if (isRasterPhotograph(bytes)) {
      photos.push({ file, bytes });
      continue;
    }
    if (isNiftiUpload(file.name, bytes)) {
      labelMaps.push({ file, bytes });
      continue;
    }
    try {
      const own = gateInputs(file, bytes);
      owners.push({ file, from: inputs.length, count: own.length, dicomdir: own.length === 0 && !isZipArchive(bytes) });
      inputs.push(...own);
    } catch (error) {
      owners.push({ file, from: inputs.length, count: 0, refusal: isDelineateError(error) ? error : new DelineateError('DLN_UPLOAD_ARCHIVE_INVALID', 'The archive could not be read') });
    }
  }
  const settings = await projectDeidSettings(deps, payload.projectId);
  const report =
    inputs.length > 0
      ? await ingestBatch(deps, inputs, { projectId: payload.projectId, ...settings, ...(tools.pixelStage ? { pixelStage: tools.pixelStage() } : {}), validator: tools.validator(), ...(tools.gate ? { gate: tools.gate } : {}) })
      : { files: [] as IngestFileReport[] };
  for (const owner of owners) {
    if (owner.refusal) {
      await staging.settle(owner.file.id, 'rejected', { code: owner.refusal.code, reason: owner.refusal.message, outcome: { ...emptyOutcome(), rejected: 1 } });
    } else if (owner.count === 0) {
      const reason = owner.dicomdir ? 'A DICOMDIR is the folder’s index: the files it lists are taken from the folder' : 'The archive holds no file';
      await staging.settle(owner.file.id, owner.dicomdir ? 'passed' : 'rejected', { code: owner.dicomdir ? null : 'DLN_UPLOAD_ARCHIVE_INVALID', reason, outcome: emptyOutcome() });
    } else {
      const answer = settleFrom(report.files.slice(owner.from, owner.from + owner.count));
      await staging.settle(owner.file.id, answer.state, answer);
    }
  }
  for (const { file, bytes } of photos) {
    // Each photograph is its own subject (the upload names none; never the file name, which may name a patient).
    const photoReport = await ingestPhotographs(deps, [{ bytes, laterality: file.laterality ?? undefined, subjectId: `PHOTO-${file.id.slice(0, 8)}` }], {
      projectId: payload.projectId,
      ...settings,
      ...(tools.pixelStage ? { pixelStage: tools.pixelStage() } : {}),
      validator: tools.validator(),
      ...(tools.gate ? { gate: tools.gate } : {}),
    });
    const answer = settleFrom(photoReport.files);
    await staging.settle(file.id, answer.state, answer);
  }
  if (labelMaps.length === 0) return;
  const uploadedBy = (await staging.batch(payload.batchId)).createdBy;
  const items = 'items' in report ? report.items : [];
  for (const { file, bytes } of labelMaps) {
    const answer = await importUploadedNifti(deps, { projectId: payload.projectId, uploadedBy, bytes, items });
    await staging.settle(file.id, answer.state, answer);
  }
}

function settleVideo(answer: Awaited<ReturnType<typeof ingestUploadedVideo>>) {
  return [answer.state, { code: answer.code, reason: answer.reason, outcome: answer.outcome }] as const;
}

export function uploadGateJobHandler(key: BlobKey, tools: UploadGateTools): JobHandler {
  return async (job, context) => {
    const parsed = UploadGateJobPayload.safeParse(job.payload);
    if (!parsed.success) throw new DelineateError('DLN_REQUEST_INVALID', 'Malformed upload gate job');
    await gateUploadBatch(context, key, parsed.data, tools);
    return { objectType: 'upload_batch', objectId: parsed.data.batchId, projectId: parsed.data.projectId };
  };
}
