import { useEffect, useMemo, useRef } from 'react';
import type { Label } from '@delineate/schema';
import type { WindowLevel } from '../../viewer/render';
import { drawThumbnail } from './cine-canvas';
import { montageCellSize, outlineThumbnail, type Montage, type MontageCell } from './cine-montage';

interface Picture {
  columns: number;
  rows: number;
  values: Int16Array | null;
  window: WindowLevel;
  /** Labels of the whole stack shown (stored revision), planes phase by phase. */
  labels: Uint8Array;
  labelColours: readonly Label[];
}

/** Static: the workspace pane stretches its canvases over the view (styles.css), not these. */
function Thumbnail({ cell, size, picture }: { cell: MontageCell; size: number; picture: Picture }) {
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const { columns, rows, values, window, labels, labelColours } = picture;
  useEffect(() => {
    if (!canvas.current) return;
    const planeSize = columns * rows;
    drawThumbnail(canvas.current, {
      columns,
      rows,
      size,
      values: values ? values.subarray(cell.plane * planeSize, (cell.plane + 1) * planeSize) : null,
      window,
      outline: cell.outlined ? outlineThumbnail(labels.subarray(cell.plane * planeSize, (cell.plane + 1) * planeSize), columns, rows, size) : null,
      labelColours,
    });
  }, [cell.plane, cell.outlined, size, columns, rows, values, window, labels, labelColours]);
  return <canvas ref={canvas} width={size} height={size} style={{ position: 'static', width: size, height: size, display: 'block' }} />;
}

/**
 * The slice × phase montage: a small image of every plane, rows slices and columns phases, the
 * end-diastole and end-systole columns marked; outlined planes show their label outline. A click
 * opens that slice and phase in the main view.
 */
export function CineMontage({ montage, picture, width, onOpen }: { montage: Montage; picture: Picture; width: number; onOpen: (slice: number, phase: number) => void }) {
  const size = montageCellSize(montage.columns.length, width);
  const header = useMemo(() => montage.columns.map((c) => c.mark ?? String(c.phase + 1)), [montage.columns]);
  return (
    <table className="cine-montage" data-testid="cine-montage" style={{ borderCollapse: 'collapse' }}>
      <thead>
        <tr>
          <th scope="col">Slice</th>
          {montage.columns.map((c, k) => (
            <th key={c.phase} scope="col" title={c.words} data-mark={c.mark ?? undefined} style={{ fontWeight: c.mark ? 'bold' : 'normal', color: c.mark ? '#ffd24d' : undefined }}>
              {header[k]}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {montage.rows.map((row, slice) => (
          <tr key={slice}>
            <th scope="row">{slice + 1}</th>
            {row.map((cell) => (
              <td key={cell.phase} style={{ padding: 1, outline: cell.current ? '2px solid #4dd2ff' : cell.outlined ? '1px solid #888' : undefined, background: montage.columns[cell.phase]!.mark ? '#333' : undefined }}>
                <button
                  type="button"
                  onClick={() => onOpen(cell.slice, cell.phase)}
                  aria-label={cell.words}
                  title={cell.words}
                  aria-current={cell.current ? 'true' : undefined}
                  data-testid={`cine-montage-cell-${cell.slice}-${cell.phase}`}
                  data-outlined={cell.outlined ? 'true' : 'false'}
                  style={{ padding: 0, border: 0, background: 'none', cursor: 'pointer' }}
                >
                  <Thumbnail cell={cell} size={size} picture={picture} />
                </button>
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
