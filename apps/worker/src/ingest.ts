import { createHash } from 'node:crypto';
import { batchReport, deidentifyDicom, isTiff, type DeidGate, type DeidOption, type DeidRecord, type IodValidator, type PixelRegion, type PixelStage, type PseudonymMap } from '@delineate/deid';
import { getNumber, getString, OPHTHALMIC_TOMOGRAPHY_IMAGE_STORAGE, octGeometryOfOpt, readDicomFile, type DicomDataset } from '@delineate/formats';
import { ageBands, DelineateError, errorCodes, isDelineateError, modalities, type ErrorCode, type AgeBand, type Laterality, type Modality, type OctSource, type Sex } from '@delineate/schema';
import { FundusPhotoRepository, ItemRepository, keepSubjectIdentities, OctRepository, recordCineSeries, RecordingPseudonymMap, type BlobStore, type Clock, type Database } from '@delineate/store';
import { cineVolume } from './cine-geometry';
import { imageGeometry, seriesVolume, type ImageGeometry } from './image-geometry';
import { photoFacts } from './fundus-ingest';
import { checkGridLimits, checkModality, checkStoredPixels, defaultIngestLimits, type IngestLimits } from './ingest-checks';

export interface IngestDeps {
  database: Database;
  blobs: BlobStore;
  clock: Clock;
}

export interface IngestOptions {
  projectId: string;
  /** The project's de-identification secret (UIDs, dates, pseudonyms). */
  secret: Uint8Array;
  options: ReadonlySet<DeidOption>;
  pseudonyms: PseudonymMap;
  pixelStage?: PixelStage;
  /**
   * The IOD check `delineate deid` runs (dciodvfy, createDciodvfyValidator): an output with
   * errors its input did not have is quarantined. Null skips it, which a caller must justify.
   */
  validator: IodValidator | null;
  /** Rectangles a data steward drew on a quarantined file, blanked before the pixel check. */
  stewardRegions?: readonly PixelRegion[];
  /**
   * The modalities the project accepts (Project.acceptedModalities); an image of another is
   * refused with DLN_INGEST_MODALITY before de-identification. Non-image objects are not checked.
   */
  acceptedModalities: readonly Modality[];
  /** Geometry beyond these never becomes an item (default {@link defaultIngestLimits}). */
  limits?: IngestLimits;
  onProgress?: (done: number, total: number) => void;
  /** Takes each file through the gate: in this thread by default, or isolated (a worker thread with its own memory limits). */
  gate?: DeidGate;
  /** The eye the upload form names, for fundus photographs whose header records none. */
  photoLaterality?: Laterality;
  /** Where Ophthalmic Tomography instances of this call came from (default `dicom`; the Heyex import says which export). */
  octSource?: OctSource;
}

export interface IngestedItem {
  itemId: string;
  seriesId: string;
  subjectPseudonym: string;
  slices: number;
}

export type IngestFileStatus = 'passed' | 'quarantined' | 'rejected' | 'duplicate';

/** What became of one input file. Codes and reasons name what was wrong, never a value. */
export interface IngestFileReport {
  /** Position in the input. */
  index: number;
  sourceSha256: string;
  status: IngestFileStatus;
  /** A stable DLN_ code for every status but passed. */
  code?: string;
  reason?: string;
  /** The DeidRecord kept for a passed or quarantined file. */
  recordId?: string;
  /** A passed file is a slice (or the frames) of a volume item, or a non-image object of its study. */
  kept?: 'volume' | 'study-object' | 'slide';
  itemId?: string;
}

export interface IngestReport {
  /** The batch every record of this call carries (`deid_records.ingest_batch_id`); absent in a report merged from several calls. */
  batchId?: string;
  passed: number;
  quarantined: number;
  rejected: number;
  duplicates: number;
  /** One per input file, in input order. */
  files: IngestFileReport[];
  /** One per file with a DeidRecord (passed or quarantined), in input order. */
  records: Array<{ recordId: string; status: 'passed' | 'quarantined' }>;
  items: IngestedItem[];
  /** Slides recorded (slide ingest): each a whole-slide item over its converted pyramid. */
  slides?: IngestedSlide[];
  /** Videos recorded (video ingest): each a `frame_range` item over its decoded frame table. */
  videos?: Array<{ itemId: string; videoId: string; frameCount: number }>;
}

export interface IngestedSlide {
  itemId: string;
  slideId: string;
  subjectPseudonym: string;
  width: number;
  height: number;
  levels: number;
}

/** A file the gate passed, checked and not yet recorded. */
interface PassedFile {
  report: IngestFileReport;
  record: DeidRecord;
  output: Uint8Array;
  outputHash: string;
  dataset: DicomDataset;
  studyUid: string;
  seriesUid: string;
  sopInstanceUid: string;
  sopClassUid: string | null;
  /** Undefined for a non-image object (kept as an instance of its study, never an item). */
  image: ImageGeometry | undefined;
}

const tags = {
  sopClassUid: 0x00080016,
  sopInstanceUid: 0x00080018,
  studyUid: 0x0020000d,
  seriesUid: 0x0020000e,
  instanceNumber: 0x00200013,
  modality: 0x00080060,
  pixelData: 0x7fe00010,
} as const;

/**
 * SOP classes that are not images to annotate, whether or not they carry Pixel Data (any other
 * class is an image, and one without Pixel Data is rejected): structured
 * reports and key object selections (88.x), presentation states (11.x), RT structure sets,
 * plans and treatment records, raw data, registrations, segmentations (66.x), waveforms (9.x),
 * real-world value mappings (67) and encapsulated documents (104.x).
 */
const studyObjectClasses = [
  '1.2.840.10008.5.1.4.1.1.88',
  '1.2.840.10008.5.1.4.1.1.11',
  '1.2.840.10008.5.1.4.1.1.481.3',
  '1.2.840.10008.5.1.4.1.1.481.4',
  '1.2.840.10008.5.1.4.1.1.481.5',
  '1.2.840.10008.5.1.4.1.1.481.6',
  '1.2.840.10008.5.1.4.1.1.481.7',
  '1.2.840.10008.5.1.4.1.1.481.8',
  '1.2.840.10008.5.1.4.1.1.481.9',
  '1.2.840.10008.5.1.4.1.1.66',
  '1.2.840.10008.5.1.4.1.1.9',
  '1.2.840.10008.5.1.4.1.1.67',
  '1.2.840.10008.5.1.4.1.1.104',
];

const VL_WHOLE_SLIDE_MICROSCOPY = '1.2.840.10008.5.1.4.1.1.77.1.6';

function isStudyObject(dataset: DicomDataset): boolean {
  const sopClass = getString(dataset, tags.sopClassUid) ?? '';
  return studyObjectClasses.some((uid) => sopClass === uid || sopClass.startsWith(`${uid}.`));
}

/** The deid package bands ages in decades up to 90+; the subject record keeps 80+. */
function subjectAgeBand(band: string | undefined): AgeBand {
  if (band && (ageBands as readonly string[]).includes(band)) return band as AgeBand;
  if (band && /^(8|9)/.test(band)) return '80+';
  return 'unknown';
}

function subjectSex(sex: string | undefined): Sex {
  return sex === 'F' || sex === 'M' || sex === 'O' ? sex : 'unknown';
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function fail(report: IngestFileReport, status: 'rejected' | 'duplicate', error: unknown): void {
  report.status = status;
  // Unexpected errors may quote data (a driver's message, a parser's text): only their kind is kept.
  report.code = isDelineateError(error) ? error.code : 'DLN_INTERNAL';
  report.reason = isDelineateError(error) ? error.message : 'The file could not be recorded';
  delete report.recordId;
  delete report.kept;
}

/**
 * The ingest gate for DICOM. Every file is taken on its own, and one bad file never stops the
 * batch: the input is checked (transfer syntax, pixel data against its declared geometry, size
 * limits), de-identified and verified (with the IOD check `delineate deid` runs), and the output
 * checked again, all before anything is written. Then:
 * - a quarantined file is kept (its output and its source, encrypted) with its DeidRecord, for a
 *   data steward, never as an instance;
 * - a passed image becomes a slice of its series' volume item; a passed non-image object (SR,
 *   RT Structure Set, presentation state…) an instance of its study, not an item;
 * - a SOP Instance UID already given in the batch or recorded is a duplicate when the bytes are
 *   the same and a conflict (rejected) when they differ: nothing is ever replaced;
 * - a rejected file leaves nothing behind.
 * A file's (or a series') blobs are written first and its records last, in one transaction, so
 * a failure leaves no half-made record; the store's trigger refuses an instance without a
 * passed DeidRecord for exactly its bytes.
 */
export async function ingestDicom(deps: IngestDeps, files: readonly Uint8Array[], options: IngestOptions): Promise<IngestReport> {
  const limits = options.limits ?? defaultIngestLimits;
  // The re-identification key (pseudonym → patient) is kept for the data steward, encrypted.
  const pseudonyms = new RecordingPseudonymMap(options.pseudonyms);
  const kept = new Set<string>();
  const reports: IngestFileReport[] = [];
  const images: PassedFile[] = [];
  const items: IngestedItem[] = [];
  // SOP Instance UID → output hash of the first file of this batch that claimed it.
  const claimed = new Map<string, string>();
  const repo = new ItemRepository(deps.database.db);
  // One id per call, so a steward sees which upload or ingest run a held file came in.
  const batchId = crypto.randomUUID();

  for (const [index, bytes] of files.entries()) {
    const report: IngestFileReport = { index, sourceSha256: sha256(bytes), status: 'rejected' };
    reports.push(report);
    try {
      const gated = await gateFile(bytes, report, options, limits, pseudonyms);
      if (gated.kind === 'quarantined') {
        await recordQuarantined(deps, options.projectId, batchId, bytes, gated.record, gated.output, report);
        if (gated.record.subjectPseudonym) kept.add(gated.record.subjectPseudonym);
      } else {
        const file = gated.file;
        const earlier = claimed.get(file.sopInstanceUid);
        const recorded = earlier === undefined ? await repo.findInstance(file.sopInstanceUid) : undefined;
        if (earlier !== undefined || recorded) {
          const same = earlier !== undefined ? earlier === file.outputHash : recorded!.blobHash === file.outputHash && recorded!.projectId === options.projectId;
          if (same) throw new DelineateError('DLN_INGEST_DUPLICATE', earlier !== undefined ? 'The same instance was given earlier in this batch' : 'The same instance is already recorded');
          throw new DelineateError('DLN_INGEST_CONFLICT', 'Another object with this SOP Instance UID was given or recorded; nothing was replaced');
        }
        claimed.set(file.sopInstanceUid, file.outputHash);
        if (file.image) images.push(file);
        else {
          await recordStudyObject(deps, options.projectId, batchId, file);
          if (file.record.subjectPseudonym) kept.add(file.record.subjectPseudonym);
        }
      }
    } catch (error) {
      fail(report, isDelineateError(error) && error.code === 'DLN_INGEST_DUPLICATE' ? 'duplicate' : 'rejected', error);
    }
    options.onProgress?.(index + 1, files.length);
  }

  const bySeries = new Map<string, PassedFile[]>();
  for (const file of images) {
    const group = bySeries.get(file.seriesUid) ?? [];
    group.push(file);
    bySeries.set(file.seriesUid, group);
  }
  for (const group of bySeries.values()) {
    try {
      const item = await recordSeries(deps, options, batchId, group, limits);
      items.push(item);
      for (const file of group) if (file.record.subjectPseudonym) kept.add(file.record.subjectPseudonym);
    } catch (error) {
      for (const file of group) fail(file.report, 'rejected', error);
    }
  }

  await keepSubjectIdentities(deps, options.projectId, new Map([...pseudonyms.seen].filter(([pseudonym]) => kept.has(pseudonym))));

  const count = (status: IngestFileStatus) => reports.filter((r) => r.status === status).length;
  return {
    batchId,
    passed: count('passed'),
    quarantined: count('quarantined'),
    rejected: count('rejected'),
    duplicates: count('duplicate'),
    files: reports,
    records: reports.flatMap((r) => (r.recordId && (r.status === 'passed' || r.status === 'quarantined') ? [{ recordId: r.recordId, status: r.status }] : [])),
    items,
  };
}

type GatedFile = { kind: 'quarantined'; record: DeidRecord; output: Uint8Array } | { kind: 'passed'; file: PassedFile };

/** Checks, de-identifies and verifies one file; writes nothing. Throws a coded error to reject it. */
async function gateFile(bytes: Uint8Array, report: IngestFileReport, options: IngestOptions, limits: IngestLimits, pseudonyms: PseudonymMap): Promise<GatedFile> {
  if (isTiff(bytes)) throw new DelineateError('DLN_INGEST_NOT_AN_INSTANCE', 'A TIFF slide is not a DICOM instance');
  const input = readDicomFile(bytes);
  checkStoredPixels(input, limits);
  if (!isStudyObject(input.dataset)) checkModality(input.dataset, options.acceptedModalities);
  const result = await (options.gate ?? deidentifyDicom)(
    bytes,
    {
      secret: options.secret,
      options: options.options,
      pseudonyms,
      ...(options.pixelStage ? { pixelStage: options.pixelStage } : {}),
      ...(options.validator ? { validator: options.validator } : {}),
    },
    options.stewardRegions ?? [],
  );
  const { record, output } = result;
  if (record.status === 'rejected' || !output) {
    const input = record.findings.find((f) => f.stage === 'input');
    const code = input && 'code' in input && input.code in errorCodes ? (input.code as ErrorCode) : 'DLN_DEID_FAILED';
    throw new DelineateError(code, input && input.kind === 'slide-label-or-overview' ? 'A slide label or overview image is never ingested' : 'The de-identification gate rejected the file as malformed');
  }
  if (record.kind !== 'image') throw new DelineateError('DLN_INGEST_NOT_AN_INSTANCE', 'A DICOMDIR is a media index, not an object of a study');
  if (record.status === 'quarantined') {
    report.reason = batchReport([record], record.options).files[0]?.reasons.join('; ') ?? '';
    return { kind: 'quarantined', record, output };
  }
  // The pixel stage may have replaced the pixel data: the output is checked as the input was.
  const file = readDicomFile(output);
  checkStoredPixels(file, limits);
  const dataset = file.dataset;
  const studyUid = getString(dataset, tags.studyUid);
  const seriesUid = getString(dataset, tags.seriesUid);
  const sopInstanceUid = getString(dataset, tags.sopInstanceUid);
  if (!studyUid || !seriesUid || !sopInstanceUid) throw new DelineateError('DLN_INGEST_NOT_AN_INSTANCE', 'The object lacks a Study, Series or SOP Instance UID');
  // Its frames are tiles of one plane at several resolutions: no slices of a voxel grid.
  if (getString(dataset, tags.sopClassUid) === VL_WHOLE_SLIDE_MICROSCOPY) {
    throw new DelineateError('DLN_DICOM_UNSUPPORTED', 'A DICOM whole-slide image is tiled, not a volume; slides are not ingested as volumes');
  }
  const studyObject = isStudyObject(dataset);
  // Any other class is an image (CT, MR…): one without pixels cannot be shown or annotated.
  if (!studyObject && !dataset.has(tags.pixelData)) throw new DelineateError('DLN_DICOM_INVALID', 'An image object has no Pixel Data');
  return {
    kind: 'passed',
    file: {
      report,
      record,
      output,
      outputHash: record.outputSha256 ?? sha256(output),
      dataset,
      studyUid,
      seriesUid,
      sopInstanceUid,
      sopClassUid: getString(dataset, tags.sopClassUid) ?? null,
      image: studyObject ? undefined : imageGeometry(dataset),
    },
  };
}

/** The database or a transaction on it. */
type Tx = Database['db'];

export async function insertRecord(db: Tx, projectId: string, batchId: string, record: DeidRecord, outputHash: string, status: 'passed' | 'quarantined', now: Date): Promise<string> {
  const inserted = await db
    .insertInto('deid_records')
    .values({
      project_id: projectId,
      source_hash: record.sourceSha256,
      output_hash: outputHash,
      profile: 'basic',
      options: JSON.stringify(record.options),
      actions: JSON.stringify(record.actions),
      pixel_regions: JSON.stringify(record.pixelRegions),
      findings: JSON.stringify(record.findings),
      status,
      created_at: now,
      ingest_batch_id: batchId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return inserted.id;
}

/**
 * A quarantined source is kept (encrypted, addressed by its SHA-256, which is the record's
 * source hash) so that a data steward can redact it and run it through the gate again. Only
 * the quarantine routes, restricted to data stewards, ever read it. Blobs first, record last.
 */
async function recordQuarantined(deps: IngestDeps, projectId: string, batchId: string, source: Uint8Array, record: DeidRecord, output: Uint8Array, report: IngestFileReport): Promise<void> {
  const { hash } = await deps.blobs.put(output);
  await deps.blobs.put(source, { expectedHash: record.sourceSha256 });
  report.recordId = await insertRecord(deps.database.db, projectId, batchId, record, hash, 'quarantined', deps.clock());
  report.status = 'quarantined';
  report.code = 'DLN_DEID_QUARANTINED';
}

function vocabularyModality(dataset: DicomDataset): { modality: Modality; dicomModality: string | null } {
  const text = getString(dataset, tags.modality)?.trim() || null;
  return { modality: text && (modalities as readonly string[]).includes(text) ? (text as Modality) : 'OT', dicomModality: text };
}

/** The subject and study a file belongs to in the project, created when new. */
async function subjectAndStudy(tx: Tx, projectId: string, file: PassedFile): Promise<{ subjectId: string; studyId: string; pseudonym: string }> {
  const repo = new ItemRepository(tx);
  const pseudonym = file.record.subjectPseudonym ?? 'UNKNOWN';
  const composition = file.record.composition ?? {};
  const existingSubject = await tx.selectFrom('subjects').select('id').where('project_id', '=', projectId).where('pseudonym', '=', pseudonym).executeTakeFirst();
  const subjectId =
    existingSubject?.id ?? (await repo.createSubject({ projectId, pseudonym, ageBand: subjectAgeBand(composition.ageBand), sex: subjectSex(composition.sex) })).id;
  const study = await repo.findStudy(file.studyUid);
  if (study && study.projectId !== projectId) throw new DelineateError('DLN_INGEST_CONFLICT', 'This Study Instance UID is already recorded outside this project');
  const studyId = study?.id ?? (await repo.createStudy({ subjectId, studyInstanceUid: file.studyUid })).id;
  return { subjectId, studyId, pseudonym };
}

/** A passed non-image object: an instance of its study (in its own series), never an item. */
async function recordStudyObject(deps: IngestDeps, projectId: string, batchId: string, file: PassedFile): Promise<void> {
  await deps.blobs.put(file.output);
  const recordId = await deps.database.db.transaction().execute(async (tx) => {
    const recordId = await insertRecord(tx, projectId, batchId, file.record, file.outputHash, 'passed', deps.clock());
    const repo = new ItemRepository(tx);
    const { studyId } = await subjectAndStudy(tx, projectId, file);
    const existing = await repo.findSeries(file.seriesUid);
    if (existing && (existing.projectId !== projectId || existing.studyId !== studyId)) {
      throw new DelineateError('DLN_INGEST_CONFLICT', 'This Series Instance UID is already recorded under another study');
    }
    // A volume's instances are its slices: another object there would break the grid.
    if (existing?.isVolume) throw new DelineateError('DLN_INGEST_CONFLICT', 'A non-image object cannot join the series of an image volume');
    let seriesId = existing?.id;
    if (!seriesId) {
      const { modality, dicomModality } = vocabularyModality(file.dataset);
      seriesId = (await repo.createSeries({ studyId, seriesInstanceUid: file.seriesUid, modality })).id;
      await tx.updateTable('series').set({ dicom_modality: dicomModality }).where('id', '=', seriesId).execute();
    }
    const instanceNumber = getNumber(file.dataset, tags.instanceNumber);
    await repo.addInstances([
      {
        seriesId,
        sopInstanceUid: file.sopInstanceUid,
        instanceNumber: instanceNumber !== undefined && Number.isInteger(instanceNumber) ? instanceNumber : null,
        blobHash: file.outputHash,
        sopClassUid: file.sopClassUid,
      },
    ]);
    return recordId;
  });
  Object.assign(file.report, { status: 'passed', recordId, kept: 'study-object' });
}

/** The passed images of one series as a volume item: blobs first, then records, series, instances and item in one transaction. */
async function recordSeries(deps: IngestDeps, options: IngestOptions, batchId: string, group: PassedFile[], limits: IngestLimits): Promise<IngestedItem> {
  const projectId = options.projectId;
  const first = group[0]!;
  // An OCT volume keeps its sampling in µm beside the series; a malformed one is refused whole.
  const oct = first.sopClassUid === OPHTHALMIC_TOMOGRAPHY_IMAGE_STORAGE ? octGeometryOfOpt(first.dataset) : undefined;
  // A cine (several planes at one position, timed) is one 4-D item: its planes stacked phase by phase.
  const cine = oct ? undefined : cineVolume(group.map((file) => ({ image: file.image!, dataset: file.dataset })));
  // A fundus photograph (one still) is a `photo` item over its one-image series (see fundus-ingest.ts).
  const photo = !oct && !cine && group.length === 1 ? photoFacts(first.dataset, first.image!, options.acceptedModalities.includes('OP'), options.photoLaterality) : undefined;
  const volume = cine?.volume ?? seriesVolume(group.map((file) => file.image!));
  checkGridLimits(volume, limits);
  for (const file of group) await deps.blobs.put(file.output);
  const composition = first.record.composition ?? {};
  const { modality, dicomModality } = vocabularyModality(first.dataset);

  const { item, recordIds } = await deps.database.db.transaction().execute(async (tx) => {
    const repo = new ItemRepository(tx);
    const recordIds: string[] = [];
    for (const file of group) recordIds.push(await insertRecord(tx, projectId, batchId, file.record, file.outputHash, 'passed', deps.clock()));
    const { subjectId, studyId, pseudonym } = await subjectAndStudy(tx, projectId, first);
    if (await repo.findSeries(first.seriesUid)) {
      // Masks are tied to a series' grid: a series is recorded whole, once.
      throw new DelineateError('DLN_CONFLICT', 'This series is already recorded; ingest a series in one batch');
    }
    const series = await repo.createSeries({
      studyId,
      seriesInstanceUid: first.seriesUid,
      modality,
      manufacturer: composition.manufacturer ?? null,
      model: composition.model ?? null,
      fieldStrength: composition.fieldStrengthT ?? null,
      sliceThickness: composition.sliceThicknessMm ?? null,
    });
    await tx
      .updateTable('series')
      .set({
        rows: volume.rows,
        columns: volume.columns,
        slices: volume.slices,
        spacing: volume.spacing,
        origin: volume.origin,
        direction: volume.direction,
        dicom_modality: dicomModality,
        frame_order: volume.frameOrder ?? null,
      })
      .where('id', '=', series.id)
      .execute();
    // One multi-frame instance holds every slice (its frame order is on the series); otherwise
    // each file is one slice, numbered in grid order (1-based), the index masks are aligned to.
    const instanceOrder = volume.frameOrder ? [0] : volume.order;
    await repo.addInstances(
      instanceOrder.map((fileIndex, sliceIndex) => {
        const file = group[fileIndex]!;
        return { seriesId: series.id, sopInstanceUid: file.sopInstanceUid, instanceNumber: sliceIndex + 1, blobHash: file.outputHash, sopClassUid: file.sopClassUid };
      }),
    );
    if (oct) await new OctRepository(tx, deps.blobs, deps.clock).registerVolume(series.id, oct, options.octSource ?? 'dicom');
    if (cine) await recordCineSeries(tx, series.id, cine.cine);
    const item = await repo.createItem({ projectId, subjectId, target: { kind: photo ? 'photo' : cine ? 'cine_volume' : 'series_volume', seriesId: series.id } });
    if (photo) await new FundusPhotoRepository(tx).record({ itemId: item.id, ...photo, width: volume.columns, height: volume.rows });
    return { item: { itemId: item.id, seriesId: series.id, subjectPseudonym: pseudonym, slices: volume.slices }, recordIds };
  });
  group.forEach((file, i) => Object.assign(file.report, { status: 'passed', recordId: recordIds[i], kept: 'volume', itemId: item.itemId }));
  return item;
}
