import { deidentifyDicom, type DeidGate, type DeidOption, type DeidRecord, type IodValidator, type PixelRegion, type PixelStage, type PseudonymMap } from '@delineate/deid';
import { getString, readDicomFile, type DicomDataset } from '@delineate/formats';
import { ageBands, DelineateError, modalities, type AgeBand, type Modality, type Sex } from '@delineate/schema';
import { ItemRepository, keepSubjectIdentities, RecordingPseudonymMap, type BlobStore, type Clock, type Database } from '@delineate/store';
import { volumeGrid, type SliceGeometry } from './geometry';

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
  validator?: IodValidator;
  /** Rectangles a data steward drew on a quarantined file, blanked before the pixel check. */
  stewardRegions?: readonly PixelRegion[];
  onProgress?: (done: number, total: number) => void;
  /** Takes each file through the gate: in this thread by default, or isolated (a worker thread with its own memory limits). */
  gate?: DeidGate;
}

export interface IngestedItem {
  itemId: string;
  seriesId: string;
  subjectPseudonym: string;
  slices: number;
}

export interface IngestReport {
  passed: number;
  quarantined: number;
  /** One per input file, in input order. */
  records: Array<{ recordId: string; status: 'passed' | 'quarantined' }>;
  items: IngestedItem[];
}

interface PassedFile {
  record: DeidRecord;
  outputHash: string;
  dataset: DicomDataset;
}

const tags = {
  studyUid: 0x0020000d,
  seriesUid: 0x0020000e,
  sopInstanceUid: 0x00080018,
  instanceNumber: 0x00200013,
  modality: 0x00080060,
  rows: 0x00280010,
  columns: 0x00280011,
  position: 0x00200032,
  orientation: 0x00200037,
  pixelSpacing: 0x00280030,
  imagerPixelSpacing: 0x00181164,
  numberOfFrames: 0x00280008,
} as const;

function numbers(dataset: DicomDataset, tag: number, count: number): number[] | undefined {
  const text = getString(dataset, tag);
  if (!text) return undefined;
  const values = text.split('\\').map((v) => Number(v.trim()));
  return values.length === count && values.every(Number.isFinite) ? values : undefined;
}

function uint16(dataset: DicomDataset, tag: number): number | undefined {
  const value = dataset.get(tag)?.value;
  if (!value || value.length < 2) return undefined;
  return dataset.littleEndian ? value[0]! | (value[1]! << 8) : (value[0]! << 8) | value[1]!;
}

/**
 * A slice's place in the volume grid. Projection images (US, DX, photographs) have no patient
 * position or orientation: they get the identity orientation at the origin, their pixel spacing
 * when recorded (PixelSpacing, else ImagerPixelSpacing) or 1 mm nominal, and their frames as
 * slices. Such files can only form a series on their own.
 */
function sliceGeometry(dataset: DicomDataset): SliceGeometry & { planar: boolean; frames: number } {
  const rows = uint16(dataset, tags.rows);
  const columns = uint16(dataset, tags.columns);
  if (!rows || !columns) throw new DelineateError('DLN_DICOM_INVALID', 'An image lacks Rows or Columns');
  const position = numbers(dataset, tags.position, 3);
  const orientation = numbers(dataset, tags.orientation, 6);
  const pixelSpacing = numbers(dataset, tags.pixelSpacing, 2) ?? numbers(dataset, tags.imagerPixelSpacing, 2) ?? [1, 1];
  const frames = Number.parseInt(getString(dataset, tags.numberOfFrames)?.trim() ?? '1', 10) || 1;
  const planar = !position || !orientation;
  return {
    rows,
    columns,
    position: (position ?? [0, 0, 0]) as SliceGeometry['position'],
    orientation: (orientation ?? [1, 0, 0, 0, 1, 0]) as SliceGeometry['orientation'],
    pixelSpacing: pixelSpacing as SliceGeometry['pixelSpacing'],
    planar,
    frames,
  };
}

function seriesGrid(group: readonly PassedFile[]) {
  const slices = group.map((f) => sliceGeometry(f.dataset));
  const first = slices[0]!;
  if (slices.some((s) => s.planar || s.frames > 1)) {
    if (slices.length > 1) throw new DelineateError('DLN_DICOM_INVALID', 'A series of several projection or multi-frame files has no single voxel grid');
    const grid = volumeGrid([first]);
    return { ...grid, slices: first.frames };
  }
  return volumeGrid(slices);
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

/**
 * The ingest gate for DICOM: every file goes through de-identification; a DeidRecord is kept
 * for every file; passed outputs (only those) become instances, grouped into series volumes and
 * items. Quarantined outputs are kept as blobs for a data steward, never as instances: the
 * store's trigger refuses an instance without a passed record for exactly its bytes.
 */
export async function ingestDicom(deps: IngestDeps, files: readonly Uint8Array[], options: IngestOptions): Promise<IngestReport> {
  const passed: PassedFile[] = [];
  const records: IngestReport['records'] = [];
  let quarantined = 0;
  // The re-identification key (pseudonym → patient) is kept for the data steward, encrypted.
  const pseudonyms = new RecordingPseudonymMap(options.pseudonyms);
  for (const [index, bytes] of files.entries()) {
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
    const output = result.output;
    const outputHash = output ? (await deps.blobs.put(output)).hash : null;
    const status = result.record.status === 'passed' && outputHash ? 'passed' : 'quarantined';
    // A quarantined source is kept (encrypted, addressed by its SHA-256, which is the record's
    // source hash) so that a data steward can redact it and run it through the gate again.
    // Only the quarantine routes, restricted to data stewards, ever read it.
    if (status === 'quarantined') await deps.blobs.put(bytes, { expectedHash: result.record.sourceSha256 });
    const inserted = await deps.database.db
      .insertInto('deid_records')
      .values({
        project_id: options.projectId,
        source_hash: result.record.sourceSha256,
        output_hash: outputHash,
        profile: 'basic',
        options: JSON.stringify(result.record.options),
        actions: JSON.stringify(result.record.actions),
        pixel_regions: JSON.stringify(result.record.pixelRegions),
        findings: JSON.stringify(result.record.findings),
        status,
        created_at: deps.clock(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    records.push({ recordId: inserted.id, status });
    if (status === 'passed' && output && outputHash) {
      passed.push({ record: result.record, outputHash, dataset: readDicomFile(output).dataset });
    } else {
      quarantined++;
    }
    options.onProgress?.(index + 1, files.length);
  }

  await keepSubjectIdentities(deps, options.projectId, pseudonyms.seen);

  const bySeries = new Map<string, PassedFile[]>();
  for (const file of passed) {
    const key = getString(file.dataset, tags.seriesUid);
    if (!key) continue;
    const group = bySeries.get(key) ?? [];
    group.push(file);
    bySeries.set(key, group);
  }
  const items: IngestedItem[] = [];
  for (const [seriesUid, group] of bySeries) {
    items.push(await recordSeries(deps, options.projectId, seriesUid, group));
  }
  return { passed: passed.length, quarantined, records, items };
}

async function recordSeries(deps: IngestDeps, projectId: string, seriesUid: string, group: PassedFile[]): Promise<IngestedItem> {
  const first = group[0]!;
  const grid = seriesGrid(group);
  const pseudonym = first.record.subjectPseudonym ?? 'UNKNOWN';
  const composition = first.record.composition ?? {};
  const modalityText = getString(first.dataset, tags.modality)?.trim() ?? 'OT';
  const modality: Modality = (modalities as readonly string[]).includes(modalityText) ? (modalityText as Modality) : 'OT';
  const studyUid = getString(first.dataset, tags.studyUid) ?? seriesUid;

  return deps.database.db.transaction().execute(async (tx) => {
    const repo = new ItemRepository(tx);
    const existingSubject = await tx
      .selectFrom('subjects')
      .select('id')
      .where('project_id', '=', projectId)
      .where('pseudonym', '=', pseudonym)
      .executeTakeFirst();
    const subjectId =
      existingSubject?.id ??
      (await repo.createSubject({ projectId, pseudonym, ageBand: subjectAgeBand(composition.ageBand), sex: subjectSex(composition.sex) })).id;
    const existingSeries = await tx.selectFrom('series').select('id').where('series_instance_uid', '=', seriesUid).executeTakeFirst();
    if (existingSeries) {
      // Masks are tied to a series' grid: a series is recorded whole, once.
      throw new DelineateError('DLN_CONFLICT', 'This series is already recorded; ingest a series in one batch');
    }
    const existingStudy = await tx.selectFrom('studies').select('id').where('study_instance_uid', '=', studyUid).executeTakeFirst();
    const studyId = existingStudy?.id ?? (await repo.createStudy({ subjectId, studyInstanceUid: studyUid })).id;
    const series = await repo.createSeries({
      studyId,
      seriesInstanceUid: seriesUid,
      modality,
      manufacturer: composition.manufacturer ?? null,
      model: composition.model ?? null,
      fieldStrength: composition.fieldStrengthT ?? null,
      sliceThickness: composition.sliceThicknessMm ?? null,
    });
    await tx
      .updateTable('series')
      .set({ rows: grid.rows, columns: grid.columns, slices: grid.slices, spacing: grid.spacing, origin: grid.origin, direction: grid.direction })
      .where('id', '=', series.id)
      .execute();
    await repo.addInstances(
      grid.order.map((fileIndex, sliceIndex) => {
        const file = group[fileIndex]!;
        return {
          seriesId: series.id,
          sopInstanceUid: getString(file.dataset, tags.sopInstanceUid) ?? '',
          // Grid order, 1-based: the slice index masks are aligned to.
          instanceNumber: sliceIndex + 1,
          blobHash: file.outputHash,
        };
      }),
    );
    const item = await repo.createItem({ projectId, subjectId, target: { kind: 'series_volume', seriesId: series.id } });
    return { itemId: item.id, seriesId: series.id, subjectPseudonym: pseudonym, slices: grid.slices };
  });
}
