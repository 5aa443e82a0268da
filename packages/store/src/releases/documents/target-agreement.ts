import { binaryMask, targetAgreement, type Grid } from '@delineate/core';
import type { Label } from '@delineate/schema';
import { roiValues } from '../export/rtstruct-format';
import { withCi, type Block } from './layout';
import { meanWithCi, type MeanWithCi } from './statistics';

/** What the documents say the RT agreement measures are (issue 23). */
export const TARGET_AGREEMENT_CONVENTIONS =
  'Targets (GTV, CTV, ITV, PTV) as radiotherapy draws them, each with the targets nested in it. Volume ratio: largest reader volume / smallest. ' +
  'Conformity index, common: |A₁ ∩ … ∩ Aₙ| / |A₁ ∪ … ∪ Aₙ| over all readers; generalised (Kouwenhoven 2009): Σ|Aᵢ ∩ Aⱼ| / Σ|Aᵢ ∪ Aⱼ| over reader pairs. ' +
  'Added path length (Vaassen 2020): length in mm of one reader’s contour, slice by slice, that another reader’s contour does not follow, mean over ordered reader pairs.';

export interface TargetMeasurement {
  readonly itemId: string;
  readonly labelKey: string;
  readonly volumeRatio: number | null;
  readonly conformityCommon: number | null;
  readonly conformityGeneralised: number | null;
  readonly addedPathLengthMm: number | null;
}

export interface TargetStatistics {
  readonly labelKey: string;
  readonly labelName: string;
  readonly volumeRatio: MeanWithCi;
  readonly conformityCommon: MeanWithCi;
  readonly conformityGeneralised: MeanWithCi;
  readonly addedPathLengthMm: MeanWithCi;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** The RT measures of one target label on one multiply-read item; undefined for labels that are not targets. */
export function targetMeasurement(itemId: string, grid: Grid, readers: readonly Uint8Array[], label: Label, labels: readonly Label[]): TargetMeasurement | undefined {
  if (!['GTV', 'CTV', 'ITV', 'PTV'].includes(label.rtRoiInterpretedType ?? '') || readers.length < 2) return undefined;
  const values = new Set(roiValues(label, labels));
  const masks = readers.map((data) => binaryMask(grid, Uint8Array.from(data, (v) => (values.has(v) ? 1 : 0))));
  const r = targetAgreement(masks);
  return {
    itemId,
    labelKey: label.key,
    volumeRatio: finite(r.volumeRatio),
    conformityCommon: finite(r.conformityCommon),
    conformityGeneralised: finite(r.conformityGeneralised),
    addedPathLengthMm: finite(r.addedPathLengthMm),
  };
}

export function targetStatistics(measurements: readonly TargetMeasurement[], labels: readonly Label[]): TargetStatistics[] {
  return labels
    .filter((l) => measurements.some((m) => m.labelKey === l.key))
    .map((l) => {
      const own = measurements.filter((m) => m.labelKey === l.key);
      return {
        labelKey: l.key,
        labelName: l.name,
        volumeRatio: meanWithCi(own.map((m) => m.volumeRatio)),
        conformityCommon: meanWithCi(own.map((m) => m.conformityCommon)),
        conformityGeneralised: meanWithCi(own.map((m) => m.conformityGeneralised)),
        addedPathLengthMm: meanWithCi(own.map((m) => m.addedPathLengthMm)),
      };
    });
}

/** The document section of the RT measures, shown only when the release has target labels read by several readers. */
export function targetSection(targets: readonly TargetStatistics[]): { heading: string; blocks: Block[] } {
  return {
    heading: 'Target volumes as radiotherapy reports them',
    blocks: [
      { kind: 'paragraph', text: TARGET_AGREEMENT_CONVENTIONS },
      {
        kind: 'table',
        caption: 'Mean (95 % CI) over the multiply-read items',
        columns: ['Target', 'Items', 'Volume ratio', 'Conformity (common)', 'Conformity (generalised)', 'Added path length (mm)'],
        rows: targets.map((t) => [
          t.labelName,
          String(t.volumeRatio.n),
          withCi(t.volumeRatio.mean, t.volumeRatio.ci),
          withCi(t.conformityCommon.mean, t.conformityCommon.ci),
          withCi(t.conformityGeneralised.mean, t.conformityGeneralised.ci),
          withCi(t.addedPathLengthMm.mean, t.addedPathLengthMm.ci, 1),
        ]),
      },
    ],
  };
}
