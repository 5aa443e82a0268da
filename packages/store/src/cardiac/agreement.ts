import { frameDisagreement, indexAgreement, structureAgreement, type IndexAgreement, type PhaseStructureAgreement } from '@delineate/core';
import type { RevisionRef } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { AnnotationRepository } from '../repositories/annotations';
import type { DB } from '../sql/tables';
import { cineOfItem, cineStackAt, labelValuesOf } from './cine';
import { cardiacReading, type CardiacReading } from './readings';

/** Two readers of one cine compared: contours per structure at each one's ED and ES, and the frames they chose. */
export interface CardiacPairAgreement {
  annotationIds: [string, string];
  structures: PhaseStructureAgreement[];
  /** Frames apart around the cycle; null when either reader has no ED/ES yet. */
  edFrames: number | null;
  esFrames: number | null;
}

/**
 * Every pair of readers of a cine item with a saved revision: Dice and HD95 per structure in the
 * phases either reader designated ED or ES, and their ED/ES frame disagreement.
 */
export async function cardiacItemAgreement(db: Kysely<DB>, annotations: AnnotationRepository, itemId: string): Promise<{ readings: CardiacReading[]; pairs: CardiacPairAgreement[] }> {
  const readers = (await annotations.listForItem(itemId)).filter((a) => a.headVersion > 0);
  return cardiacAgreementAt(db, annotations, itemId, readers.map((a) => ({ annotationId: a.id, version: a.headVersion })));
}

/** The same on given revisions of the readers (a release's), in the order given. */
export async function cardiacAgreementAt(db: Kysely<DB>, annotations: AnnotationRepository, itemId: string, refs: readonly RevisionRef[]): Promise<{ readings: CardiacReading[]; pairs: CardiacPairAgreement[] }> {
  const cine = await cineOfItem(db, itemId);
  const readers = refs.map((r) => ({ id: r.annotationId, headVersion: r.version }));
  const readings = await Promise.all(readers.map((a) => cardiacReading(db, annotations, a.id, a.headVersion)));
  const stacks = await Promise.all(readers.map((a) => cineStackAt(annotations, cine, a.id, a.headVersion)));
  const pairs: CardiacPairAgreement[] = [];
  for (let i = 0; i < readers.length; i++) {
    for (let j = i + 1; j < readers.length; j++) {
      const a = readings[i]!;
      const b = readings[j]!;
      const phases = [...new Set([a.designation, b.designation].flatMap((d) => (d ? [d.edPhase, d.esPhase] : [])))].sort((x, y) => x - y);
      const labels = labelValuesOf(a.labelConventions);
      pairs.push({
        annotationIds: [a.annotationId, b.annotationId],
        structures: structureAgreement(stacks[i]!, stacks[j]!, labels, 'surfel', phases),
        edFrames: a.designation && b.designation ? frameDisagreement(a.designation.edPhase, b.designation.edPhase, cine.shape.phases) : null,
        esFrames: a.designation && b.designation ? frameDisagreement(a.designation.esPhase, b.designation.esPhase, cine.shape.phases) : null,
      });
    }
  }
  return { readings, pairs };
}

export const clinicalIndices = ['lv_edv', 'lv_esv', 'lv_ef', 'rv_edv', 'rv_esv', 'rv_ef', 'lv_mass_ed'] as const;
export type ClinicalIndex = (typeof clinicalIndices)[number];

function indexOf(reading: CardiacReading, index: ClinicalIndex): number {
  const m = reading.measures;
  if (!m) return Number.NaN;
  const values: Record<ClinicalIndex, number> = { lv_edv: m.lv.edv, lv_esv: m.lv.esv, lv_ef: m.lv.ef, rv_edv: m.rv.edv, rv_esv: m.rv.esv, rv_ef: m.rv.ef, lv_mass_ed: m.lvMassEd };
  return values[index];
}

/**
 * Bland–Altman bias, limits of agreement and coefficient of variation of each clinical index
 * between the first two readers (in the order given) over the cases that both measured.
 */
export function clinicalIndexAgreement(cases: ReadonlyArray<readonly [CardiacReading, CardiacReading]>): Record<ClinicalIndex, IndexAgreement> {
  return Object.fromEntries(clinicalIndices.map((index) => [index, indexAgreement(cases.map(([a, b]) => [indexOf(a, index), indexOf(b, index)] as const))])) as Record<ClinicalIndex, IndexAgreement>;
}
