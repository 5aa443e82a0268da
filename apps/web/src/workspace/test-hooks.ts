import { encodeRle8 } from '@delineate/core';
import { timings } from './timings';
import type { CorrectionView, LabelVolume } from './use-label-volume';

/**
 * `window.__delineate`: read-only views of the open workspace for the e2e tests and the benchmark
 * (apps/web/e2e/workspace-driver.ts lists them). The viewer adds its own (cursor, projection,
 * loaded slices, frame statistics).
 */
export function exposeWorkspace(
  viewer: Record<string, (...args: never[]) => unknown>,
  state: { ready: boolean; volume: LabelVolume | null; annotationId: string | undefined; stage: string | null; readOnly: boolean; correction: CorrectionView | null },
): void {
  const map = state.volume?.kind === 'volume' ? state.volume.map : undefined;
  const saves = state.volume?.saves;
  (window as unknown as { __delineate?: unknown }).__delineate = {
    ...viewer,
    ready: () => state.ready,
    loadedSlices: viewer.loadedSlices ?? (() => 0),
    dims: () => state.volume?.dims,
    annotationId: () => state.annotationId,
    baseVersion: () => saves?.baseVersion ?? 0,
    labelCount: (value: number) => state.volume?.map.count(value) ?? 0,
    labelsOnSlice: (z: number, value: number) => {
      if (!map) return 0;
      const plane = map.dims.columns * map.dims.rows;
      let n = 0;
      for (let i = z * plane; i < (z + 1) * plane; i++) if (map.data[i] === value) n++;
      return n;
    },
    maskRle: () => (map ? Array.from(encodeRle8(map.data)) : []),
    /** The tiles the next save would send, and what the last one sent. */
    changedTiles: () => saves?.changedTiles() ?? [],
    lastSave: () => saves?.lastReport ?? null,
    workflowStage: () => state.stage,
    readOnly: () => state.readOnly,
    correctionCounts: () => (state.correction ? { source: state.correction.source, ...state.correction.counts } : null),
    timings: () => ({ ...timings, ...(saves?.lastReport ? { lastSaveMs: saves.lastReport.ms } : {}) }),
  };
}
