import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deidentifyDicom, type DeidOption, type IodValidator, type OcrEngine, type PixelStage, type PseudonymMap } from '@delineate/deid';
import { dicomVideoSopClasses, getNumber, getString, h264TransferSyntaxes, readDicomFile, type DicomFile } from '@delineate/formats';
import { DelineateError, isDelineateError, type Modality } from '@delineate/schema';
import type { IngestDeps, IngestReport } from '../ingest';
import { checkModality } from '../ingest-checks';
import type { BlackedRegion } from './decode';
import { ingestVideo } from './ingest-video';
import { elementaryStreamInput } from './probe';

const SOP_CLASS = 0x00080016;
const TRANSFER_SYNTAX = 0x00020010;
const FRAME_TIME = 0x00181063;
const FRAME_TIME_VECTOR = 0x00181065;
const CINE_RATE = 0x00180040;
const PIXEL_DATA = 0x7fe00010;

/** A DICOM object whose Pixel Data is a video stream: a video SOP class (endoscopic, microscopic, photographic) or an H.264 transfer syntax. */
export function isDicomVideo(bytes: Uint8Array): boolean {
  if (bytes.length < 132 || Buffer.from(bytes.buffer, bytes.byteOffset + 128, 4).toString('latin1') !== 'DICM') return false;
  // The file meta names both the SOP class and the transfer syntax: only a candidate is parsed.
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 2048)).toString('latin1');
  if (![...dicomVideoSopClasses, ...h264TransferSyntaxes].some((uid) => head.includes(uid))) return false;
  let file: DicomFile;
  try {
    file = readDicomFile(bytes);
  } catch {
    return false;
  }
  return dicomVideoSopClasses.includes(getString(file.dataset, SOP_CLASS) ?? '') || h264TransferSyntaxes.includes(getString(file.meta, TRANSFER_SYNTAX) ?? '');
}

/** The frame rate the header gives, as a rational ffmpeg takes: from Frame Time, else Frame Time Vector, else Cine Rate. */
export function frameRateOf(file: DicomFile): string {
  const frameTime = getNumber(file.dataset, FRAME_TIME);
  if (frameTime && frameTime > 0) return `${Math.round(1_000_000 / frameTime)}/1000`;
  const vector = (getString(file.dataset, FRAME_TIME_VECTOR) ?? '').split('\\').map(Number).slice(1);
  const mean = vector.length > 0 ? vector.reduce((a, b) => a + b, 0) / vector.length : NaN;
  if (mean > 0) return `${Math.round(1_000_000 / mean)}/1000`;
  const cineRate = getNumber(file.dataset, CINE_RATE);
  if (cineRate && cineRate > 0) return `${Math.round(cineRate * 1000)}/1000`;
  throw new DelineateError('DLN_VIDEO_UNSUPPORTED', 'The DICOM video names no Frame Time, Frame Time Vector or Cine Rate');
}

/**
 * The video inside the Pixel Data: every fragment after the offset table, joined (PS3.5 §8.2.8
 * puts the stream in one fragment, but a long one may be split). Either an H.264 elementary
 * stream, which has no timestamps and is decoded at the header's frame rate, or a whole MP4 file
 * as some devices store, which carries its own.
 */
export function videoStreamOf(file: DicomFile): { stream: Uint8Array; input: readonly string[]; container: string } {
  const transferSyntax = getString(file.meta, TRANSFER_SYNTAX) ?? '';
  const fragments = file.dataset.get(PIXEL_DATA)?.fragments;
  if (!fragments || fragments.length < 2) throw new DelineateError('DLN_VIDEO_UNSUPPORTED', 'The DICOM video has no encapsulated video stream in its Pixel Data');
  const stream = new Uint8Array(Buffer.concat(fragments.slice(1)));
  if (Buffer.from(stream.buffer, stream.byteOffset + 4, Math.min(4, Math.max(0, stream.length - 4))).toString('latin1') === 'ftyp') {
    return { stream, input: [], container: 'dicom-mp4' };
  }
  if (!h264TransferSyntaxes.includes(transferSyntax)) throw new DelineateError('DLN_VIDEO_UNSUPPORTED', 'Only DICOM video in an MPEG-4 AVC/H.264 transfer syntax is accepted');
  return { stream, input: elementaryStreamInput(frameRateOf(file)), container: 'dicom-h264' };
}

/** The DICOM gate's pixel stage for a video: the frames are read by the video gate's OCR after decoding, not here. */
const framesReadByVideoGate: PixelStage = {
  name: 'video-ocr-per-sampled-frame',
  process: () => Promise.resolve({ status: 'clean', regions: [], findings: [], burnedInTextRemoved: false }),
};

export interface DicomVideoIngestOptions {
  projectId: string;
  secret: Uint8Array;
  options: ReadonlySet<DeidOption>;
  pseudonyms: PseudonymMap;
  acceptedModalities?: readonly Modality[];
  ocr: OcrEngine;
  validator?: IodValidator | null;
  regions?: readonly BlackedRegion[];
  batchId?: string;
}

/**
 * One DICOM Video Endoscopic (or Photographic, Microscopic) instance: its attributes go through
 * the DICOM gate (PS3.15 basic profile, UIDs remapped, dates shifted, the IOD check), whose
 * actions and findings join the video record; its stream is then taken out of the Pixel Data and
 * goes through the video gate like an MP4 (one decode into the frame table, OCR on sampled
 * frames). Number of Frames is never read: frames are the decoded table's. A quarantined
 * instance keeps the DICOM file itself, so a steward's redaction starts again from it.
 */
export async function ingestDicomVideo(deps: IngestDeps, bytes: Uint8Array, options: DicomVideoIngestOptions): Promise<IngestReport> {
  const work = await mkdtemp(join(tmpdir(), 'delineate-dicom-video-'));
  try {
    const file = readDicomFile(bytes);
    if (options.acceptedModalities) checkModality(file.dataset, options.acceptedModalities);
    const { stream, input, container } = videoStreamOf(file);
    const gate = await deidentifyDicom(bytes, { secret: options.secret, options: options.options, pseudonyms: options.pseudonyms, pixelStage: framesReadByVideoGate, ...(options.validator ? { validator: options.validator } : {}) });
    if (gate.record.status === 'rejected') throw new DelineateError('DLN_DEID_FAILED', 'The DICOM video’s attributes could not be de-identified');
    const path = join(work, container === 'dicom-mp4' ? 'stream.mp4' : 'stream.h264');
    await writeFile(path, stream, { mode: 0o600 });
    return await ingestVideo(deps, path, {
      projectId: options.projectId,
      options: options.options,
      pseudonyms: options.pseudonyms,
      ocr: options.ocr,
      ...(options.regions ? { regions: options.regions } : {}),
      ...(options.batchId ? { batchId: options.batchId } : {}),
      origin: {
        keptSource: bytes,
        sourceSha256: gate.record.sourceSha256,
        format: container,
        input,
        actions: gate.record.actions,
        // The stream in Pixel Data never leaves: it is decoded and re-encoded without its metadata
        // (the proxy's tags are checked by the video gate), so text the verifier finds in its
        // bytes, such as an embedded MP4's title, is not a finding against what is kept.
        findings: gate.record.findings.filter((f) => !(f.stage === 'verifier' && f.where?.startsWith('7fe00010'))),
        ...(gate.record.subjectPseudonym ? { subjectPseudonym: gate.record.subjectPseudonym } : {}),
      },
    });
  } catch (error) {
    const code = isDelineateError(error) ? error.code : 'DLN_VIDEO_UNREADABLE';
    const reason = isDelineateError(error) ? error.message : 'The DICOM video could not be read';
    return { passed: 0, quarantined: 0, rejected: 1, duplicates: 0, files: [{ index: 0, sourceSha256: '', status: 'rejected', code, reason }], records: [], items: [] };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
