/**
 * An item named by what it is, the way a radiologist would pick it out of a list: its modality
 * and size, then whose it is (the subject's pseudonym), instead of a fragment of its id.
 */
export interface ItemFacts {
  kind: string;
  modality: string | null;
  slices: number | null;
  rows?: number | null;
  columns?: number | null;
  subjectPseudonym: string;
}

const kindWords: Readonly<Record<string, string>> = { series_volume: 'series', slide_region: 'slide region', frame_range: 'video frames', photo: 'photograph', cine_volume: 'cardiac cine' };

export function itemWords(item: ItemFacts): string {
  const what = [item.modality ?? kindWords[item.kind] ?? item.kind.replace(/_/g, ' ')];
  if (item.slices) what.push(`${item.slices} slice${item.slices === 1 ? '' : 's'}${item.rows && item.columns ? ` of ${item.columns} × ${item.rows}` : ''}`);
  return `${what.join(', ')} · ${item.subjectPseudonym}`;
}
