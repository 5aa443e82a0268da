import { discAndCup, extent, largestLineCount, pixelCount, ratio, type DiscCupLabels, type FundusMask } from './cup-disc';
import { fitEllipse } from './ellipse-fit';
import { rimWidthsByIsntSector, type Laterality, type SectorRim } from './rim';

/** The named conventions a cup-to-disc ratio is measured under. */
export const cdrConventions = ['refuge', 'extent', 'ellipse_fit'] as const;
export type CdrConvention = (typeof cdrConventions)[number];

/** What each convention measures, in words (exports and the measures panel name them). */
export const cdrConventionWords: Readonly<Record<CdrConvention, string>> = {
  refuge: 'REFUGE: the largest count of mask pixels in one column (one row for horizontal), cup over disc',
  extent: 'Extent: from the first to the last row (column) each mask touches, cup over disc',
  ellipse_fit: 'Ellipse fit: diameters of the least-squares ellipse through each outer contour, cup over disc',
};

export interface CdrByConvention {
  readonly convention: CdrConvention;
  readonly vertical: number;
  readonly horizontal: number;
  /** The cup's and the disc's vertical and horizontal sizes this convention measured, pixels. */
  readonly cup: { readonly vertical: number; readonly horizontal: number };
  readonly disc: { readonly vertical: number; readonly horizontal: number };
}

export interface SectorRimMeasure extends SectorRim {
  readonly meanMm: number | null;
  readonly minimumMm: number | null;
}

export interface FundusMeasures {
  readonly cdr: readonly CdrByConvention[];
  /** Cup pixels over disc pixels (the disc includes the cup). */
  readonly areaRatio: number;
  readonly discAreaPx: number;
  readonly cupAreaPx: number;
  /** Areas in mm² when the pixel spacing is known, else null (ratios only). */
  readonly discAreaMm2: number | null;
  readonly cupAreaMm2: number | null;
  readonly laterality: Laterality | null;
  readonly rim: readonly SectorRimMeasure[];
  /** Column and row spacing, mm per pixel, or null when the photograph does not record it. */
  readonly pixelSpacingMm: readonly [number, number] | null;
}

/** Cup-to-disc measures of one fundus mask under every named convention, with rim widths by ISNT sector. */
export function fundusMeasures(mask: FundusMask, labels: DiscCupLabels, laterality: Laterality | null, pixelSpacingMm: readonly [number, number] | null): FundusMeasures {
  const { width, height } = mask;
  const { disc, cup } = discAndCup(mask, labels);
  const sizes = (convention: CdrConvention, of: Uint8Array) => {
    if (convention === 'refuge') return { vertical: largestLineCount(of, width, height, 'vertical'), horizontal: largestLineCount(of, width, height, 'horizontal') };
    if (convention === 'extent') return { vertical: extent(of, width, height, 'vertical'), horizontal: extent(of, width, height, 'horizontal') };
    const fit = fitEllipse(of, width, height);
    return { vertical: fit?.verticalDiameter ?? 0, horizontal: fit?.horizontalDiameter ?? 0 };
  };
  const cdr = cdrConventions.map((convention) => {
    const c = sizes(convention, cup);
    const d = sizes(convention, disc);
    return { convention, vertical: ratio(c.vertical, d.vertical), horizontal: ratio(c.horizontal, d.horizontal), cup: c, disc: d };
  });
  const discAreaPx = pixelCount(disc);
  const cupAreaPx = pixelCount(cup);
  const pixelArea = pixelSpacingMm ? pixelSpacingMm[0] * pixelSpacingMm[1] : null;
  // A rim width along a ray mixes both axes; with square pixels (the usual case) one factor serves.
  const mmPerPx = pixelSpacingMm ? Math.sqrt(pixelSpacingMm[0] * pixelSpacingMm[1]) : null;
  const rim = rimWidthsByIsntSector(disc, cup, width, height, laterality).map((s) => ({
    ...s,
    meanMm: mmPerPx === null ? null : s.meanPx * mmPerPx,
    minimumMm: mmPerPx === null ? null : s.minimumPx * mmPerPx,
  }));
  return {
    cdr,
    areaRatio: ratio(cupAreaPx, discAreaPx),
    discAreaPx,
    cupAreaPx,
    discAreaMm2: pixelArea === null ? null : discAreaPx * pixelArea,
    cupAreaMm2: pixelArea === null ? null : cupAreaPx * pixelArea,
    laterality,
    rim,
    pixelSpacingMm,
  };
}

/** The vertical cup-to-disc ratio under one convention. */
export function verticalCdr(measures: FundusMeasures, convention: CdrConvention): number {
  return measures.cdr.find((c) => c.convention === convention)?.vertical ?? NaN;
}
