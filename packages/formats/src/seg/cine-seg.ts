import { cardiacLabelMaps, cardiacStructures, type CardiacLabelMapName } from '@delineate/core';
import type { SegSeries, SegSource, SegSourceSlice, SegWriteInput, SegmentDescription } from './types';

const heart = { scheme: 'SCT', value: '80891009', meaning: 'Heart' } as const;
const anatomical = { scheme: 'SCT', value: '123037004', meaning: 'Anatomical Structure' } as const;
const names = { lv_blood_pool: 'LV blood pool', lv_myocardium: 'LV myocardium', rv_blood_pool: 'RV blood pool' } as const;

export interface CineSegmentationInput {
  /** The source without its planes. */
  source: Omit<SegSource, 'slices'>;
  /** The cine's source images, one per plane, stacked phase by phase (plane = phase · slices + slice). */
  planes: readonly SegSourceSlice[];
  /** Labels on those planes in the named map; its values become the segment numbers. */
  labels: Uint8Array;
  map: CardiacLabelMapName;
  series: SegSeries;
}

/**
 * A cine's contours as one DICOM SEG: every plane of every phase is a frame that references the
 * source image it was drawn on, and the segment numbers are the named map's values (so an ACDC
 * export numbers RV 1 and an M&Ms export LV 1), with the map in the content description.
 */
export function cineSegmentationInput(input: CineSegmentationInput): SegWriteInput {
  const values = cardiacLabelMaps[input.map];
  const segments: SegmentDescription[] = [...cardiacStructures]
    .sort((a, b) => values[a] - values[b])
    .map((structure) => ({ number: values[structure], label: names[structure], category: anatomical, type: heart, algorithmType: 'MANUAL' as const }));
  return {
    segmentationType: 'BINARY',
    source: { ...input.source, slices: input.planes },
    segments,
    labels: input.labels,
    series: { ...input.series, contentDescription: `Cine segments: ${values.title}` },
  };
}
