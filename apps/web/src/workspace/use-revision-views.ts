import { useCallback, useState } from 'react';
import { TileLabelmap } from '../viewer/tile-labelmap';
import { fetchRevisionVolume } from './mask-loader';
import type { OpenedWork } from './queries';
import type { LabelVolume } from './use-label-volume';

/**
 * Other revisions in the workspace: one opened read-only, one outlined for comparison, and the
 * conflict's way out (load the newer version, redoing or dropping the unsent edits).
 */
export function useRevisionViews(
  work: OpenedWork | undefined,
  volume: LabelVolume | null,
  on: { changed: () => void; saved: () => void; notice: (text: string) => void; error: (e: unknown) => void },
) {
  const [viewing, setViewing] = useState<{ title: string; data: Uint8Array } | null>(null);
  const [compare, setCompare] = useState<{ title: string; data: Uint8Array } | null>(null);
  const { changed, saved, notice, error } = on;

  const lookAt = useCallback(
    async (annotationId: string | null, version: number, title: string, as: 'viewing' | 'compare') => {
      if (!volume || !work) return;
      if (volume.kind === 'tiles') {
        notice('Other versions of a slide cannot be opened beside it yet; open them from the revision list on their own.');
        return;
      }
      try {
        const data = await fetchRevisionVolume(annotationId ?? work.annotation.id, version, volume.dims);
        (as === 'viewing' ? setViewing : setCompare)({ title, data });
      } catch (e) {
        error(e);
      }
    },
    [volume, work, error],
  );

  /** Conflict: load the newer revision; with `redoMine`, my unsent edits are applied on top as one undoable step. */
  const loadNewer = useCallback(
    async (version: number, redoMine: boolean) => {
      if (!volume || !work) return;
      try {
        let redo: (() => void) | null = null;
        let count = 0;
        if (volume.kind === 'tiles') {
          // Sparse labels: forget every tile; the viewer loads the newer version's as they show.
          const mine = volume.saves.unsentStrokes();
          volume.map.reset();
          volume.saves.rebase(version);
          if (redoMine && mine.length) await volume.load(TileLabelmap.tilesOf(mine));
          redo = () => volume.map.replay(mine);
          count = mine.length;
        } else {
          const mine = volume.saves.unsentStrokes();
          volume.map.replace(await fetchRevisionVolume(work.annotation.id, version, volume.dims));
          volume.saves.rebase(version);
          redo = () => volume.map.replay(mine);
          count = mine.length;
        }
        setCompare(null);
        if (redoMine && count) {
          redo();
          notice(`Loaded version ${version} and redid your ${count} edits on it: check them, then save.`);
        } else {
          await volume.saves.discardDraft();
          notice(`Loaded version ${version}.`);
        }
        changed();
        saved();
      } catch (e) {
        error(e);
      }
    },
    [volume, work, changed, saved, notice, error],
  );

  return { viewing, setViewing, compare, setCompare, lookAt, loadNewer };
}
