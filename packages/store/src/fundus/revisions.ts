import { cdrConventionWords, cutRle8, decodeRle8, encodeRle8, fundusMeasures, rasteriseDiscAndCup, type CdrConvention, type DiscCupLabels, type FundusMeasures, type TileGrid } from '@delineate/core';
import {
  DelineateError,
  FUNDUS_CUP_LABEL,
  FUNDUS_DISC_LABEL,
  FundusContour,
  FundusPoint,
  type FundusMeasuresView,
  type FundusRevisionView,
  type RevisionAuthor,
  type RevisionSource,
  type SaveFundusAnnotation,
} from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { AnnotationRepository, SaveRevisionResult } from '../repositories/annotations';
import type { DB } from '../sql/tables';
import { FundusPhotoRepository } from './photos';
import { fundusDb } from './tables';

const conventionNames: Readonly<Record<CdrConvention, string>> = { refuge: 'REFUGE', extent: 'Extent ratio', ellipse_fit: 'Ellipse fit' };

/** The disc and cup label values of a project's pinned labels (as stored), or DLN_FUNDUS_LABELS_MISSING. */
export function discCupLabelsOf(labels: unknown): DiscCupLabels {
  const list = Array.isArray(labels) ? (labels as Array<{ key?: unknown; value?: unknown }>) : [];
  const value = (key: string) => list.find((l) => l.key === key)?.value;
  const disc = value(FUNDUS_DISC_LABEL);
  const cup = value(FUNDUS_CUP_LABEL);
  if (typeof disc !== 'number' || typeof cup !== 'number') {
    throw new DelineateError('DLN_FUNDUS_LABELS_MISSING', `The project's label schema needs the labels ${FUNDUS_DISC_LABEL} and ${FUNDUS_CUP_LABEL} for disc and cup contours`);
  }
  return { disc, cup };
}

const finite = (v: number) => (Number.isFinite(v) ? v : null);

/** Measures as the API and exports give them: each convention named and described, NaN as null. */
export function fundusMeasuresView(m: FundusMeasures): FundusMeasuresView {
  return {
    cdr: m.cdr.map((c) => ({ convention: c.convention, name: conventionNames[c.convention], description: cdrConventionWords[c.convention], vertical: finite(c.vertical), horizontal: finite(c.horizontal) })),
    areaRatio: finite(m.areaRatio),
    discAreaPx: m.discAreaPx,
    cupAreaPx: m.cupAreaPx,
    discAreaMm2: m.discAreaMm2,
    cupAreaMm2: m.cupAreaMm2,
    laterality: m.laterality,
    rim: m.rim.map((r) => ({ sector: r.sector, meanPx: r.meanPx, minimumPx: r.minimumPx, meanMm: r.meanMm, minimumMm: r.minimumMm })),
    pixelSpacingMm: m.pixelSpacingMm ? [m.pixelSpacingMm[0], m.pixelSpacingMm[1]] : null,
  };
}

/**
 * The label mask (whole-volume `rle`) of a disc and a cup contour on a photo's grid. A cup
 * reaching outside the disc is refused with DLN_FUNDUS_CUP_OUTSIDE_DISC (how many pixels stray,
 * never where), an empty contour with DLN_FUNDUS_CONTOUR_INVALID; nothing is written either way.
 */
export function fundusMaskOf(body: SaveFundusAnnotation, grid: TileGrid, labels: DiscCupLabels): Uint8Array {
  if (grid.slices !== 1) throw new DelineateError('DLN_FUNDUS_NOT_A_PHOTO', 'Disc and cup contours are drawn on a photograph, not a volume');
  const raster = rasteriseDiscAndCup(body.disc.points, body.cup.points, grid.columns, grid.rows, labels);
  if (!raster.ok) {
    if (raster.reason === 'cup_outside_disc') {
      throw new DelineateError('DLN_FUNDUS_CUP_OUTSIDE_DISC', 'The cup must lie inside the disc: part of the cup is outside it. Nothing was saved.', { cupPixelsOutside: raster.cupPixelsOutside });
    }
    throw new DelineateError('DLN_FUNDUS_CONTOUR_INVALID', raster.reason === 'disc_empty' ? 'The disc contour encloses no pixel of the photograph' : 'The cup contour encloses no pixel of the photograph');
  }
  return encodeRle8(raster.mask.data);
}

export interface SaveFundusInput {
  readonly annotationId: string;
  readonly expectedVersion: number;
  readonly idempotencyKey?: string | undefined;
  readonly author: RevisionAuthor;
  readonly source: RevisionSource;
  readonly body: SaveFundusAnnotation;
}

/**
 * Fundus revisions: disc and cup contours saved as a mask revision on the item's grid (the
 * existing mask path: write rule, compare-and-set on the head, idempotency), with the contours,
 * fovea and the measures computed from the mask as stored kept beside it.
 */
export class FundusRevisionRepository {
  readonly #db: Kysely<DB>;
  readonly #annotations: AnnotationRepository;

  constructor(db: Kysely<DB>, annotations: AnnotationRepository) {
    this.#db = db;
    this.#annotations = annotations;
  }

  async save(input: SaveFundusInput): Promise<SaveRevisionResult & { fundus: FundusRevisionView }> {
    const context = await this.#annotations.saveContext(input.annotationId, input.author, input.source);
    const labels = discCupLabelsOf(context.labels);
    const cut = cutRle8(context.grid, fundusMaskOf(input.body, context.grid, labels));
    if (!cut.ok) throw new DelineateError('DLN_REVISION_MASK_INVALID', `The contours gave no valid mask (${cut.reason})`);
    const saved = await this.#annotations.saveTiledRevision({
      annotationId: input.annotationId,
      expectedVersion: input.expectedVersion,
      idempotencyKey: input.idempotencyKey,
      author: input.author,
      source: input.source,
      grid: context.grid,
      tiles: cut.tiles,
      whole: true,
      checked: { writeFacts: context.writeFacts, headVersion: context.annotation.headVersion },
    });
    const version = saved.revision.version;
    // Measured on the mask as stored (read back), so what is shown is what was kept.
    const measures = await this.#measure(input.annotationId, version, context.annotation.itemId, labels);
    await fundusDb(this.#db)
      .insertInto('fundus_revisions')
      .values({
        annotation_id: input.annotationId,
        version,
        disc: JSON.stringify(input.body.disc),
        cup: JSON.stringify(input.body.cup),
        fovea: input.body.fovea ? JSON.stringify(input.body.fovea) : null,
        measures: JSON.stringify(measures),
      })
      .onConflict((oc) => oc.columns(['annotation_id', 'version']).doNothing())
      .execute();
    return { ...saved, fundus: { annotationId: input.annotationId, version, disc: input.body.disc, cup: input.body.cup, fovea: input.body.fovea, measures } };
  }

  /**
   * A revision's contours and measures. A revision saved another way (painted, imported, or saved
   * before its row was written) has no contours; its measures are computed from its mask.
   */
  async get(annotationId: string, version: number, labelsOfProject: unknown): Promise<FundusRevisionView> {
    const row = await fundusDb(this.#db).selectFrom('fundus_revisions').selectAll().where('annotation_id', '=', annotationId).where('version', '=', version).executeTakeFirst();
    const disc = FundusContour.safeParse(row?.disc);
    const cup = FundusContour.safeParse(row?.cup);
    const fovea = FundusPoint.safeParse(row?.fovea);
    const annotation = await this.#annotations.get(annotationId);
    const measures = row ? (row.measures as FundusMeasuresView) : await this.#measure(annotationId, version, annotation.itemId, discCupLabelsOf(labelsOfProject));
    return { annotationId, version, disc: disc.success ? disc.data : null, cup: cup.success ? cup.data : null, fovea: fovea.success ? fovea.data : null, measures };
  }

  /** The measures of a stored revision's mask, with the photo's laterality and spacing. */
  async #measure(annotationId: string, version: number, itemId: string, labels: DiscCupLabels): Promise<FundusMeasuresView> {
    const photo = await new FundusPhotoRepository(this.#db).get(itemId);
    const mask = await readFundusMask(this.#annotations, annotationId, version, photo.width, photo.height);
    return fundusMeasuresView(fundusMeasures(mask, labels, photo.laterality, photo.pixelSpacingMm));
  }
}

/** A stored revision's mask as a width × height label image. */
export async function readFundusMask(annotations: AnnotationRepository, annotationId: string, version: number, width: number, height: number) {
  const decoded = decodeRle8(await annotations.readMask(annotationId, version), width * height);
  if (!decoded.ok) throw new DelineateError('DLN_REVISION_MASK_INVALID', 'A stored fundus mask does not match its photograph');
  return { width, height, data: decoded.voxels };
}
