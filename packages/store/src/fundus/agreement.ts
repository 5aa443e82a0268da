import { blandAltman, cdrConventions, fundusPairAgreement, type BlandAltman, type CdrConvention, type FundusPairAgreement } from '@delineate/core';
import type { Kysely } from 'kysely';
import type { AnnotationRepository } from '../repositories/annotations';
import type { DB } from '../sql/tables';
import { FundusPhotoRepository } from './photos';
import { discCupLabelsOf, readFundusMask } from './revisions';

const finite = (v: number) => (Number.isFinite(v) ? v : null);

export interface FundusReaderPair {
  readonly itemId: string;
  /** The two readers' annotations and the head versions compared. */
  readonly a: { readonly annotationId: string; readonly version: number };
  readonly b: { readonly annotationId: string; readonly version: number };
  readonly disc: { readonly dice: number | null; readonly hd95Px: number | null; readonly hd95Mm: number | null };
  readonly cup: { readonly dice: number | null; readonly hd95Px: number | null; readonly hd95Mm: number | null };
  readonly vcdr: ReadonlyArray<{ readonly convention: CdrConvention; readonly a: number | null; readonly b: number | null; readonly absoluteDifference: number | null }>;
}

export interface FundusAgreementReport {
  readonly pairs: readonly FundusReaderPair[];
  /** Per convention, Bland–Altman of reader A's vCDR minus reader B's over every pair. */
  readonly blandAltman: ReadonlyArray<{ readonly convention: CdrConvention } & BlandAltman>;
  /** What the distances mean, named as every result names its conventions. */
  readonly conventions: { readonly hd95: string; readonly dice: string };
}

/**
 * Agreement on the project's fundus photographs: for each photo read by two or more readers
 * (annotations with a saved head), every pair's disc and cup Dice and HD95 (pixels, and mm when
 * the photograph's spacing is known) and |ΔvCDR| under each convention; then Bland–Altman bias
 * and 95 % limits of the vCDR difference over all pairs.
 */
export async function fundusAgreement(db: Kysely<DB>, annotations: AnnotationRepository, projectId: string, labelsOfProject: unknown): Promise<FundusAgreementReport> {
  const labels = discCupLabelsOf(labelsOfProject);
  const photos = new FundusPhotoRepository(db);
  const items = await db.selectFrom('items').select('id').where('project_id', '=', projectId).where('kind', '=', 'photo').orderBy('created_at').orderBy('id').execute();
  const pairs: FundusReaderPair[] = [];
  const values = new Map<CdrConvention, Array<[number, number]>>(cdrConventions.map((c) => [c, []]));
  for (const { id: itemId } of items) {
    const photo = await photos.find(itemId);
    if (!photo) continue;
    const readings = await db.selectFrom('annotations').select(['id', 'head_version']).where('item_id', '=', itemId).where('head_version', '>', 0).orderBy('created_at').orderBy('id').execute();
    if (readings.length < 2) continue;
    const masks = await Promise.all(readings.map((r) => readFundusMask(annotations, r.id, r.head_version, photo.width, photo.height)));
    for (let i = 0; i < readings.length; i++) {
      for (let j = i + 1; j < readings.length; j++) {
        const result: FundusPairAgreement = fundusPairAgreement(masks[i]!, masks[j]!, labels, photo.pixelSpacingMm);
        const vcdr = result.absoluteVcdrDifference.map((d, k) => {
          const pair = result.vcdr[k]!;
          values.get(d.convention)!.push([pair.a, pair.b]);
          return { convention: d.convention, a: finite(pair.a), b: finite(pair.b), absoluteDifference: finite(d.value) };
        });
        const structure = (s: FundusPairAgreement['disc']) => ({ dice: finite(s.dice), hd95Px: finite(s.hd95Px), hd95Mm: s.hd95Mm === null ? null : finite(s.hd95Mm) });
        pairs.push({
          itemId,
          a: { annotationId: readings[i]!.id, version: readings[i]!.head_version },
          b: { annotationId: readings[j]!.id, version: readings[j]!.head_version },
          disc: structure(result.disc),
          cup: structure(result.cup),
          vcdr,
        });
      }
    }
  }
  return {
    pairs,
    blandAltman: cdrConventions.map((convention) => ({ convention, ...blandAltman(values.get(convention)!) })),
    conventions: {
      hd95: 'HD95 under the voxel convention: border pixels by face-connected erosion, distances between pixel centres, the 95th percentile per direction then the larger',
      dice: 'Dice over pixels; the disc includes the cup',
    },
  };
}
