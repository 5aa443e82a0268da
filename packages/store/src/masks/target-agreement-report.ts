import { binaryMask, decodeRle8, gridOf, targetAgreement, type BinaryMask, type Grid } from '@delineate/core';
import { DelineateError, type Label } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { AnnotationRepository } from '../repositories/annotations';
import { LabelSchemaRepository } from '../repositories/label-schemas';
import { roiValues } from '../releases/export/rtstruct-format';
import type { DB } from '../sql/tables';
import { listAgreements } from '../workflow/agreement';
import { itemVolumeGeometry } from './import-mask';

/** One pair of readers of a target (indexes into the agreement's inputs, as the Dice pairs). */
export interface TargetReaderPair {
  readonly a: number;
  readonly b: number;
  /** Larger volume over smaller (1 when both are the same size). */
  readonly volumeRatio: number | null;
  /** |A ∩ B| / |A ∪ B| (for two readers the common and generalised conformity indices coincide). */
  readonly conformityIndex: number | null;
  /** Mean of the two directions, mm. */
  readonly addedPathLengthMm: number | null;
}

/** Radiotherapy agreement of one target on one multiply-read item (issue 23): per reader pair and over all readers. */
export interface ItemTargetAgreement {
  readonly itemId: string;
  readonly labelKey: string;
  readonly labelName: string;
  /** Each reader's target volume (the target with the targets nested in it), ml. */
  readonly volumesMl: number[];
  readonly conformityCommon: number | null;
  readonly conformityGeneralised: number | null;
  readonly pairs: TargetReaderPair[];
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
const isTarget = (l: Label) => ['GTV', 'CTV', 'ITV', 'PTV'].includes(l.rtRoiInterpretedType ?? '');

/** The measures of one target among readers' label volumes on one grid (targets nested as radiotherapy draws them). */
export function targetAgreementOf(itemId: string, grid: Grid, readers: readonly Uint8Array[], label: Label, labels: readonly Label[]): ItemTargetAgreement {
  const values = new Set(roiValues(label, labels));
  const masks: BinaryMask[] = readers.map((data) => binaryMask(grid, Uint8Array.from(data, (v) => (values.has(v) ? 1 : 0))));
  const all = targetAgreement(masks);
  const pairs: TargetReaderPair[] = [];
  for (let a = 0; a < masks.length; a++) {
    for (let b = a + 1; b < masks.length; b++) {
      const pair = targetAgreement([masks[a]!, masks[b]!]);
      pairs.push({ a, b, volumeRatio: finite(pair.volumeRatio), conformityIndex: finite(pair.conformityCommon), addedPathLengthMm: finite(pair.addedPathLengthMm) });
    }
  }
  return { itemId, labelKey: label.key, labelName: label.name, volumesMl: [...all.volumesMl], conformityCommon: finite(all.conformityCommon), conformityGeneralised: finite(all.conformityGeneralised), pairs };
}

/**
 * The project's target agreement for the QA page: for every agreement the workflow recorded on a
 * target label, the same readers' revisions measured as RT papers report them (volume ratio,
 * conformity, added path length). Each reader's mask is read once per item.
 */
export async function targetAgreementReport(db: Kysely<DB>, annotations: AnnotationRepository, projectId: string): Promise<ItemTargetAgreement[]> {
  const rows = await listAgreements(db, { projectId });
  const schemas = new LabelSchemaRepository(db);
  const out: ItemTargetAgreement[] = [];
  const byItem = new Map<string, typeof rows>();
  for (const r of rows) byItem.set(r.itemId, [...(byItem.get(r.itemId) ?? []), r]);
  for (const [itemId, agreements] of byItem) {
    const inputs = agreements[0]!.inputs;
    if (inputs.length < 2) continue;
    const annotation = await annotations.get(inputs[0]!.annotationId);
    const labels = (await schemas.get(annotation.labelSchema.id, annotation.labelSchema.version)).labels;
    const targets = agreements.map((r) => labels.find((l) => l.key === r.labelKey)).filter((l): l is Label => l !== undefined && isTarget(l));
    if (targets.length === 0) continue;
    const geometry = await itemVolumeGeometry(db, itemId);
    const voxels = geometry.columns * geometry.rows * geometry.slices;
    const readers = await Promise.all(
      inputs.map(async (ref) => {
        const decoded = decodeRle8(await annotations.readMask(ref.annotationId, ref.version), voxels);
        if (!decoded.ok) throw new DelineateError('DLN_INTERNAL', 'A stored mask did not decode');
        return decoded.voxels;
      }),
    );
    const grid = gridOf([geometry.columns, geometry.rows, geometry.slices], geometry.spacing);
    for (const label of targets) out.push(targetAgreementOf(itemId, grid, readers, label, labels));
  }
  return out;
}
