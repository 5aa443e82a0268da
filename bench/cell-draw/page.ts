// The page side of bench/cell-draw.ts, bundled for the browser: 100,000 cells decoded from the
// stored columnar form, packed and drawn by the viewer's own WebGL2 renderer while panning at
// three zooms (level of detail), and picked through the grid index.
import { packCells } from '../../apps/web/src/viewers/slide/cell-pack';
import { CellRenderer } from '../../apps/web/src/viewers/slide/cell-renderer';
import { decodeCells } from '../../packages/store/src/pathology/cell-codec';
import { CellGridIndex } from '../../packages/store/src/pathology/cell-index';
import { cellsOf } from '../../packages/store/src/pathology/cell-set';

const percentile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

async function run(base64: string, zooms: number[], framesPerZoom: number, picks: number) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const canvas = document.querySelector('canvas')!;
  const t0 = performance.now();
  const columns = decodeCells(bytes);
  const cells = cellsOf(columns);
  const t1 = performance.now();
  const renderer = CellRenderer.create(canvas);
  if (!renderer) throw new Error('no WebGL2');
  renderer.setPalette(['#1f77b4', '#d62728']);
  const origin: [number, number] = [1000, 1000];
  renderer.setCells(packCells(cells, new Map(columns.classes.map((c, i) => [c, i])), origin));
  renderer.finish();
  const t2 = performance.now();
  // A one-pixel read waits until the frame is rasterised (finish() alone may return before SwiftShader draws).
  const gl = canvas.getContext('webgl2')!;
  const pixel = new Uint8Array(4);
  const perZoom = [];
  for (const zoom of zooms) {
    const times: number[] = [];
    let drawCalls = 0, chunks = 0, detail = '';
    for (let f = 0; f < framesPerZoom; f++) {
      // Panning across the cells: 12 screen pixels a frame.
      const t = { a: zoom, b: 0, c: 0, d: zoom, e: -f * 12 + 50, f: -f * 6 + 50 };
      const s = performance.now();
      renderer.draw(t, 10 * zoom);
      gl.readPixels(700, 450, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
      times.push(performance.now() - s);
      // Optional reads: the bench also runs against the renderer before chunking, which had neither.
      drawCalls = Math.max(drawCalls, renderer.lastFrame?.drawCalls ?? 0);
      chunks = Math.max(chunks, renderer.lastFrame?.chunks ?? 0);
      detail = renderer.lastFrame?.detail ?? '';
      await new Promise((r) => requestAnimationFrame(r));
    }
    perZoom.push({ zoom, medianMs: percentile(times, 0.5), p95Ms: percentile(times, 0.95), drawCalls, chunks, detail });
  }
  const index = new CellGridIndex(columns);
  let found = 0;
  const p0 = performance.now();
  for (let i = 0; i < picks; i++) if (index.pick(1000 + ((i * 7919) % 4400), 1000 + ((i * 104_729) % 4400)) >= 0) found++;
  const pickMs = (performance.now() - p0) / picks;
  return { count: cells.length, parseMs: t1 - t0, uploadMs: t2 - t1, perZoom, pickMs, found, lost: gl.isContextLost() };
}

(window as unknown as { cellDraw: typeof run }).cellDraw = run;
