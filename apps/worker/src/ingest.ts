import { deidentifyDicom, type DeidOption, type DeidRecord, type IodValidator, type PixelStage, type PseudonymMap } from '@delineate/deid';
import { getString, readDicomFile, type DicomDataset } from '@delineate/formats';
import { ageBands, DelineateError, modalities, type AgeBand, type Modality, type Sex } from '@delineate/schema';
import { ItemRepository, type BlobStore, type Clock, type Database } from '@delineate/store';
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
  onProgress?: (done: number, total: number) => void;
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

function sliceGeometry(dataset: DicomDataset): SliceGeometry {
  const rows = uint16(dataset, tags.rows);
  const columns = uint16(dataset, tags.columns);
  const position = numbers(dataset, tags.position, 3);
  const orientation = numbers(dataset, tags.orientation, 6);
  const pixelSpacing = numbers(dataset, tags.pixelSpacing, 2);
  if (!rows || !columns || !position || !orientation || !pixelSpacing) {
    throw new DelineateError('DLN_DICOM_INVALID', 'A slice lacks the geometry of a volume (Rows, Columns, ImagePositionPatient, ImageOrientationPatient, PixelSpacing)');
  }
  return {
    rows,
    columns,
    position: position as SliceGeometry['position'],
    orientation: orientation as SliceGeometry['orientation'],
    pixelSpacing: pixelSpacing as SliceGeometry['pixelSpacing'],
  };
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
  let quarantined = 0;
  for (const [index, bytes] of files.entries()) {
    const result = await deidentifyDicom(bytes, {
      secret: options.secret,
      options: options.options,
      pseudonyms: options.pseudonyms,
      ...(options.pixelStage ? { pixelStage: options.pixelStage } : {}),
      ...(options.validator ? { validator: options.validator } : {}),
    });
    const output = result.output;
    const outputHash = output ? (await deps.blobs.put(output)).hash : null;
    const status = result.record.status === 'passed' && outputHash ? 'passed' : 'quarantined';
    await deps.database.db
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
      .execute();
    if (status === 'passed' && output && outputHash) {
      passed.push({ record: result.record, outputHash, dataset: readDicomFile(output).dataset });
    } else {
      quarantined++;
    }
    options.onProgress?.(index + 1, files.length);
  }

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
  return { passed: passed.length, quarantined, items };
}

async function recordSeries(deps: IngestDeps, projectId: string, seriesUid: string, group: PassedFile[]): Promise<IngestedItem> {
  const first = group[0]!;
  const grid = volumeGrid(group.map((f) => sliceGeometry(f.dataset)));
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
