import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { batchReport, gateConvertedSlide, UidMapper, type DeidOption, type DeidRecord, type PseudonymMap } from '@delineate/deid';
import { slideSegSourceOf, type DicomDataset, type SlideSegSource } from '@delineate/formats';
import { DelineateError, isDelineateError } from '@delineate/schema';
import { ItemRepository, recordSlideDicomSource, storeSlideTileIndex } from '@delineate/store';
import { convertToPyramid, readPyramidLayout, readSlideProperties, type SlideSourceProperties } from '@delineate/wsi';
import { insertRecord, type IngestDeps, type IngestFileReport, type IngestReport } from '../ingest';
import { prepareDicomSlide } from './dicom-slide-source';

/** Where a slide ingest is: each stage reports 0–100. */
export type SlideIngestStage = 'read' | 'convert' | 'gate' | 'store';

export interface SlideIngestOptions {
  projectId: string;
  /** The project's de-identification secret (the slide's pseudonym). */
  secret: Uint8Array;
  options: ReadonlySet<DeidOption>;
  pseudonyms: PseudonymMap;
  onProgress?: (stage: SlideIngestStage, percent: number) => void;
  /** The conversion is killed after this long (default one hour). */
  timeoutMs?: number;
  /** The ingest batch the slide's record belongs to (a fresh one when the slide comes alone). */
  batchId?: string;
  /** Largest pyramid (and quarantined source) kept, in bytes (default 2 GiB: a blob is written whole). */
  maxBytes?: number;
}

/**
 * A slide's source: an SVS, NDPI or tiled TIFF file, a MIRAX `.mrxs` file (its data folder beside
 * it), or the instances of one DICOM whole-slide series.
 */
export type SlideSource = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'dicom'; readonly paths: readonly string[] };

const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch {
    // The operating system's message names the path, which may name a patient.
    throw new DelineateError('DLN_SLIDE_UNREADABLE', 'The slide file could not be read');
  }
  return hash.digest('hex');
}

/**
 * The source under a neutral name in the temporary folder: vips reads `name[options]`, so a
 * bracket in a user's file name must never reach it. A MIRAX file needs its folder beside it.
 */
async function linkSource(path: string, work: string): Promise<string> {
  const absolute = resolve(path);
  const extension = extname(absolute).toLowerCase().replace(/[^.a-z0-9]/g, '');
  const link = join(work, `source${extension}`);
  await symlink(absolute, link);
  if (extension === '.mrxs') await symlink(join(dirname(absolute), basename(absolute, extname(absolute))), join(work, 'source'));
  return link;
}

async function readAtMost(path: string, maxBytes: number): Promise<Uint8Array> {
  if ((await stat(path)).size > maxBytes) throw new DelineateError('DLN_SLIDE_TOO_LARGE', `The slide is larger than the ${Math.round(maxBytes / 1024 ** 2)} MiB this store keeps in one blob`);
  return new Uint8Array(await readFile(path));
}

interface PreparedSource {
  /** What vips converts, and whether through OpenSlide. */
  readonly convertPath: string;
  readonly openSlide: boolean;
  /** A TIFF-based source the gate reads (label, macro, every IFD's text). */
  readonly gateSource?: string;
  readonly sourceValues: readonly string[];
  readonly properties: SlideSourceProperties;
  readonly format: string;
  readonly composition: { stain?: string; scanner?: string };
  /** Removed before conversion (DICOM label and overview instances). */
  readonly removed: readonly { path: string; action: string }[];
  /** A DICOM slide's base level, whose SEG source facts are kept pseudonymised. */
  readonly base?: DicomDataset;
}

/**
 * A DICOM slide's SEG source facts with the project's UID mapping (as the DICOM gate maps UIDs)
 * and the slide's pseudonym for patient, container and specimens: nothing of the source's identity.
 */
function pseudonymousSegSource(base: DicomDataset, secret: Uint8Array, pseudonym: string): SlideSegSource {
  const uids = new UidMapper(secret);
  let specimen = 0;
  return slideSegSourceOf(base, {
    uid: (uid) => uids.map(uid),
    identifier: () => (specimen++ === 0 ? pseudonym : `${pseudonym}-${specimen - 1}`),
    patientStudy: { patientName: pseudonym, patientId: pseudonym },
  });
}

async function prepare(source: SlideSource, work: string): Promise<PreparedSource> {
  if (source.kind === 'dicom') return prepareDicomSlide(source.paths, work);
  const link = await linkSource(source.path, work);
  const properties = await readSlideProperties(link);
  const mrxs = extname(link) === '.mrxs';
  return {
    convertPath: link,
    openSlide: true,
    ...(mrxs ? {} : { gateSource: link }),
    sourceValues: [],
    properties,
    format: properties.vendor ?? 'tiff',
    composition: {},
    removed: [],
  };
}

/**
 * Ingests one slide as an item: the source's pixel size and objective are read first, then vips
 * converts it to a 256²-tiled JPEG BigTIFF pyramid, and the slide gate runs on source and output
 * (label and macro images gone, every IFD's text and every output byte searched). A passed slide
 * becomes a slide row and a whole-slide `slide_region` item, its pyramid a blob; a quarantined
 * one keeps its record, its output and its source (encrypted) for a data steward, as DICOM
 * quarantine does. Temporary files are removed on every path; a failure leaves no record.
 */
export async function ingestSlide(deps: IngestDeps, source: SlideSource, options: SlideIngestOptions): Promise<IngestReport> {
  const paths = source.kind === 'file' ? [source.path] : source.paths;
  const sourceSha256 = source.kind === 'file' ? await fileSha256(source.path) : createHash('sha256').update((await Promise.all(paths.map(fileSha256))).sort().join('')).digest('hex');
  const report: IngestFileReport = { index: 0, sourceSha256, status: 'rejected' };
  const result: IngestReport = { passed: 0, quarantined: 0, rejected: 0, duplicates: 0, files: [report], records: [], items: [] };
  const work = await mkdtemp(join(tmpdir(), 'delineate-slide-'));
  const progress = options.onProgress ?? (() => {});
  const batchId = options.batchId ?? crypto.randomUUID();
  try {
    progress('read', 0);
    const prepared = await prepare(source, work);
    progress('read', 100);
    const converted = join(work, 'converted.tif');
    progress('convert', 0);
    await convertToPyramid({
      source: prepared.convertPath,
      output: converted,
      openSlide: prepared.openSlide,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      onProgress: (percent) => progress('convert', percent),
    });
    progress('convert', 100);
    progress('gate', 0);
    const pyramid = join(work, 'pyramid.tif');
    const gated = gateConvertedSlide({ ...(prepared.gateSource ? { source: prepared.gateSource } : {}), sourceValues: prepared.sourceValues, converted, output: pyramid });
    progress('gate', 100);
    const record: DeidRecord = {
      sourceSha256,
      profile: 'dicom-ps3.15-e1-basic',
      options: [...options.options].sort(),
      actions: [
        ...prepared.removed,
        ...gated.removedImages.map((image) => ({ path: `source ifd[${image.index}]`, action: `X-${image.kind}` })),
        { path: 'pyramid', action: 'converted' },
        ...gated.metadataActions.map((entry) => ({ path: `pyramid ifd[${entry.image}].${entry.tag}`, action: entry.action === 'removed' ? 'X' : 'C' })),
      ],
      pixelRegions: [],
      findings: gated.findings.map((finding) => ({ stage: 'slide', kind: finding.kind, count: finding.count, ...(finding.where ? { where: finding.where } : {}) })),
      status: gated.status,
      composition: { ...gated.composition, ...prepared.composition },
      kind: 'slide',
    };
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    const output = await readAtMost(pyramid, maxBytes);
    if (gated.status === 'quarantined') {
      // Kept for a data steward as DICOM quarantine keeps it: blobs first, record last.
      const { hash } = await deps.blobs.put(output);
      for (const path of paths) await deps.blobs.put(await readAtMost(path, maxBytes));
      report.recordId = await insertRecord(deps.database.db, options.projectId, batchId, record, hash, 'quarantined', deps.clock());
      Object.assign(report, { status: 'quarantined', code: 'DLN_DEID_QUARANTINED', reason: batchReport([record], record.options).files[0]?.reasons.join('; ') ?? '' });
      result.quarantined = 1;
      result.records.push({ recordId: report.recordId, status: 'quarantined' });
      return result;
    }
    progress('store', 0);
    const layout = readPyramidLayout(pyramid);
    const { hash } = await deps.blobs.put(output);
    // The tile server reads tiles by ranged reads checked against this index.
    const { tileIndexHash } = await storeSlideTileIndex(deps.blobs, output);
    const pseudonym = await options.pseudonyms.pseudonymFor({ patientId: `slide:${sourceSha256}` });
    const stored = await deps.database.db.transaction().execute(async (tx) => {
      const recordId = await insertRecord(tx, options.projectId, batchId, { ...record, outputSha256: hash }, hash, 'passed', deps.clock());
      const repo = new ItemRepository(tx);
      const existing = await tx.selectFrom('subjects').select('id').where('project_id', '=', options.projectId).where('pseudonym', '=', pseudonym).executeTakeFirst();
      const subjectId = existing?.id ?? (await repo.createSubject({ projectId: options.projectId, pseudonym, ageBand: 'unknown', sex: 'unknown' })).id;
      const slide = await tx
        .insertInto('slides')
        .values({
          subject_id: subjectId,
          stain: record.composition?.stain ?? null,
          scanner: record.composition?.scanner ?? null,
          width: layout.width,
          height: layout.height,
          mpp: prepared.properties.mppX,
          mpp_y: prepared.properties.mppY,
          magnification: prepared.properties.magnification,
          pyramid_hash: hash,
          tile_index_hash: tileIndexHash,
          levels: JSON.stringify(layout.levels),
          tile_width: layout.tileWidth,
          tile_height: layout.tileHeight,
          source_format: prepared.format,
          created_at: deps.clock(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (prepared.base) await recordSlideDicomSource(tx, slide.id, pseudonymousSegSource(prepared.base, options.secret, pseudonym));
      const item = await repo.createItem({ projectId: options.projectId, subjectId, target: { kind: 'slide_region', slideId: slide.id, region: { x: 0, y: 0, width: layout.width, height: layout.height } } });
      return { recordId, itemId: item.id, slideId: slide.id };
    });
    progress('store', 100);
    Object.assign(report, { status: 'passed', recordId: stored.recordId, kept: 'slide', itemId: stored.itemId });
    result.passed = 1;
    result.records.push({ recordId: stored.recordId, status: 'passed' });
    result.slides = [{ itemId: stored.itemId, slideId: stored.slideId, subjectPseudonym: pseudonym, width: layout.width, height: layout.height, levels: layout.levels.length }];
    return result;
  } catch (error) {
    report.code = isDelineateError(error) ? error.code : 'DLN_INTERNAL';
    report.reason = isDelineateError(error) ? error.message : 'The slide could not be ingested';
    result.rejected = 1;
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
