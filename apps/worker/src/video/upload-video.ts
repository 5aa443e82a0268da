import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withOcrEngine } from '@delineate/deid';
import type { UploadOutcome } from '@delineate/schema';
import type { IngestDeps } from '../ingest';
import { projectDeidSettings } from '../project-deid';
import { ingestVideo } from './ingest-video';

export interface UploadedVideoAnswer {
  readonly state: 'passed' | 'quarantined' | 'rejected';
  readonly code: string | null;
  readonly reason: string | null;
  readonly outcome: UploadOutcome;
}

/** An uploaded MP4 or MOV clip through the video gate (written to a private temporary folder for ffmpeg). */
export async function ingestUploadedVideo(deps: IngestDeps, projectId: string, bytes: Uint8Array, batchId?: string): Promise<UploadedVideoAnswer> {
  const work = await mkdtemp(join(tmpdir(), 'delineate-video-upload-'));
  try {
    const path = join(work, 'clip');
    await writeFile(path, bytes, { mode: 0o600 });
    const settings = await projectDeidSettings(deps, projectId);
    const report = await withOcrEngine(undefined, (ocr) => ingestVideo(deps, path, { projectId, ...settings, ocr, ...(batchId ? { batchId } : {}) }));
    const file = report.files[0]!;
    const state = file.status === 'passed' || file.status === 'quarantined' ? file.status : 'rejected';
    const reason = state === 'passed' ? `Passed the video gate: ${report.videos?.[0]?.frameCount ?? 0} decoded frames` : state === 'quarantined' ? 'Held for a data steward: text was found burned into the video' : (file.reason ?? null);
    return { state, code: file.code ?? null, reason, outcome: { passed: report.passed, quarantined: report.quarantined, rejected: report.rejected, duplicates: 0 } };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
