import type { DicomDataset } from './dataset';

/** Shared Functional Groups Sequence (5200,9229): attributes every frame has in common. */
export const SHARED_FUNCTIONAL_GROUPS = 0x52009229;
/** Per-frame Functional Groups Sequence (5200,9230): one item per frame, in frame order. */
export const PER_FRAME_FUNCTIONAL_GROUPS = 0x52009230;

/**
 * The item of one functional group macro (e.g. Plane Position Sequence (0020,9113)) that
 * applies to `frame` (0-based) of an enhanced multi-frame object: the per-frame item when the
 * frame has one, else the shared one. Undefined when neither holds the macro.
 */
export function frameFunctionalGroup(dataset: DicomDataset, frame: number, macro: number): DicomDataset | undefined {
  const perFrame = dataset.get(PER_FRAME_FUNCTIONAL_GROUPS)?.items?.[frame]?.get(macro)?.items?.[0];
  if (perFrame) return perFrame;
  return dataset.get(SHARED_FUNCTIONAL_GROUPS)?.items?.[0]?.get(macro)?.items?.[0];
}

/** Whether the object describes its frames with functional groups (enhanced multi-frame IODs). */
export function hasFunctionalGroups(dataset: DicomDataset): boolean {
  return dataset.has(PER_FRAME_FUNCTIONAL_GROUPS) || dataset.has(SHARED_FUNCTIONAL_GROUPS);
}
