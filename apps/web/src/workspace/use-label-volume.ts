import { useEffect, useState } from 'react';
import { drafts } from '../drafts';
import type { Dims } from '../viewer/geometry';
import { Labelmap, type Stroke } from '../viewer/labelmap';
import { TileLabelmap, type TileStroke } from '../viewer/tile-labelmap';
import { countOverlay, workflowApi } from '../workflow-api';
import { fetchRevisionVolume, loadMaskTiles, tileLoader } from './mask-loader';
import { isLocked, type OpenedWork } from './queries';
import { SaveController } from './save-controller';

/** The correction overlay shown: computed here from unsigned edits, or the server's after signing. */
export interface CorrectionView {
  source: 'local' | 'server';
  data: Uint8Array;
  counts: { added: number; removed: number; relabelled: number };
}

export type LabelVolume = WholeLabelVolume | TiledLabelVolume;

export interface WholeLabelVolume {
  kind: 'volume';
  dims: Dims;
  map: Labelmap;
  saves: SaveController<Stroke>;
  /** Review stages: the mask of the version under review (what a correction is measured against). */
  original: Uint8Array | null;
  /** A signed correction: the server's overlay. */
  serverCorrection: CorrectionView | null;
  /** The cursor at opening: the middle of the volume. */
  start: [number, number, number];
}

/** A slide's labels: sparse tiles loaded as they come into view, never whole. */
export interface TiledLabelVolume {
  kind: 'tiles';
  dims: Dims;
  map: TileLabelmap;
  saves: SaveController<TileStroke>;
  /** Loads the stored labels of these tiles (from the version the map is based on) unless they are in. */
  load(ordinals: readonly number[]): Promise<void>;
  original: null;
  serverCorrection: null;
  start: [number, number, number];
}

export function dimsOf(work: OpenedWork): Dims {
  const g = work.item.grid;
  return { columns: g.columns, rows: g.rows, slices: g.slices, spacing: [g.spacing[0] ?? 1, g.spacing[1] ?? 1, g.spacing[2] ?? 1] };
}

/**
 * The label volume of the opened work and its save controller. The shown revision's tiles load
 * with the middle slice's first: the volume is returned as soon as those are in (`complete`
 * false: shown, not yet editable), and `complete` turns true with the last tile.
 */
export function useLabelVolume(work: OpenedWork | undefined, kind: 'volume' | 'tiles', onError: (e: unknown) => void): { volume: LabelVolume | null; complete: boolean } {
  const [volume, setVolume] = useState<LabelVolume | null>(null);
  const [complete, setComplete] = useState(false);
  useEffect(() => {
    if (!work) return;
    if (kind === 'tiles') {
      const tiled = openTiledLabels(work);
      setVolume(tiled);
      setComplete(true);
      return () => {
        tiled.saves.dispose();
        setVolume(null);
        setComplete(false);
      };
    }
    let cancelled = false;
    let saves: SaveController | null = null;
    const { annotation, task, context } = work;
    const dims = dimsOf(work);
    const map = new Labelmap(dims);
    const start: [number, number, number] = [Math.floor(dims.columns / 2), Math.floor(dims.rows / 2), Math.floor(dims.slices / 2)];
    const reviewStage = task !== null && task.stage !== 'annotate';
    // A signed review shows what it signed (later stages may have moved the head on).
    const record = reviewStage && isLocked(task) ? [...(context?.history ?? [])].reverse().find((h) => h.stage === task.stage && h.reviewedVersion === task.revisionVersion) : undefined;
    const shownVersion = reviewStage && isLocked(task) ? (record?.correctedVersion ?? task.revisionVersion ?? annotation.headVersion) : annotation.headVersion;
    (async () => {
      const made = (): WholeLabelVolume => {
        saves = new SaveController({ annotationId: annotation.id, map, baseVersion: annotation.headVersion, source: reviewStage ? 'correction' : 'human', drafts });
        return { kind: 'volume', dims, map, saves, original: null, serverCorrection: null, start };
      };
      let shown: WholeLabelVolume | null = null;
      const show = () => {
        if (cancelled || shown) return;
        shown = made();
        setVolume(shown);
      };
      if (shownVersion > 0) await loadMaskTiles(annotation.id, shownVersion, dims, map.data, [start[2]], show);
      show();
      let original: Uint8Array | null = null;
      let serverCorrection: CorrectionView | null = null;
      if (reviewStage && task.revisionVersion) {
        original = task.revisionVersion === shownVersion ? map.data.slice() : await fetchRevisionVolume(annotation.id, task.revisionVersion, dims);
        if (record?.correctedVersion) {
          const data = await workflowApi.correctionOverlay(task.id, dims.columns * dims.rows * dims.slices);
          serverCorrection = { source: 'server', data, counts: countOverlay(data) };
        }
      }
      if (cancelled) return;
      setVolume({ ...shown!, original, serverCorrection });
      setComplete(true);
    })().catch((e: unknown) => !cancelled && onError(e));
    return () => {
      cancelled = true;
      (saves as SaveController | null)?.dispose();
      setVolume(null);
      setComplete(false);
    };
    // onError is the shell's setter; the volume follows the opened work only.
  }, [work, kind]);
  return { volume, complete };
}

/**
 * A slide's labels: nothing is fetched up front (the viewer asks for the tiles in view), so the
 * labels are editable at once; a tile is painted only once its stored labels are in.
 */
function openTiledLabels(work: OpenedWork): TiledLabelVolume {
  const dims = dimsOf(work);
  const map = new TileLabelmap(dims.columns, dims.rows);
  const reviewStage = work.task !== null && work.task.stage !== 'annotate';
  const saves = new SaveController<TileStroke>({ annotationId: work.annotation.id, map, baseVersion: work.annotation.headVersion, source: reviewStage ? 'correction' : 'human', drafts });
  const load = tileLoader(work.annotation.id, map, () => saves.baseVersion);
  return { kind: 'tiles', dims, map, saves, load, original: null, serverCorrection: null, start: [Math.floor(dims.columns / 2), Math.floor(dims.rows / 2), 0] };
}
