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
    // The first frame at a zoom also paints and uploads the map tiles it meets; reported on its own.
    perZoom.push({ zoom, medianMs: percentile(times, 0.5), p95Ms: percentile(times, 0.95), firstMs: times[0]!, drawCalls, chunks, detail });
  }
  // The floor under every frame: clearing the canvas and reading one pixel back, drawing nothing.
  const floor: number[] = [];
  for (let f = 0; f < framesPerZoom; f++) {
    const s = performance.now();
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.readPixels(700, 450, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
    floor.push(performance.now() - s);
    await new Promise((r) => requestAnimationFrame(r));
  }
  const index = new CellGridIndex(columns);
  let found = 0;
  const p0 = performance.now();
  for (let i = 0; i < picks; i++) if (index.pick(1000 + ((i * 7919) % 4400), 1000 + ((i * 104_729) % 4400)) >= 0) found++;
  const pickMs = (performance.now() - p0) / picks;
  const lost = gl.isContextLost();
  return { count: cells.length, parseMs: t1 - t0, uploadMs: t2 - t1, perZoom, floorMs: percentile(floor, 0.5), pickMs, found, lost, recovery: await loseAndRestore(canvas, gl, renderer) };
}

/** Cell pixels drawn before a lost context, while lost (none, without throwing), and once restored. */
async function loseAndRestore(canvas: HTMLCanvasElement, gl: WebGL2RenderingContext, renderer: CellRenderer) {
  const t = { a: 3, b: 0, c: 0, d: 3, e: 50, f: 50 };
  const drawn = () => {
    renderer.draw(t, 30);
    if (gl.isContextLost()) return 0;
    const all = new Uint8Array(canvas.width * canvas.height * 4);
    gl.readPixels(0, 0, canvas.width, canvas.height, gl.RGBA, gl.UNSIGNED_BYTE, all);
    let n = 0;
    for (let i = 3; i < all.length; i += 4) if (all[i]! > 0) n++;
    return n;
  };
  // Resolved a task after the event: the browser allows a restore only once the lost event's dispatch has ended.
  const event = (name: string) =>
    new Promise((resolve, fail) => {
      const timer = setTimeout(() => fail(new Error(`no ${name} event`)), 10_000);
      canvas.addEventListener(name, () => setTimeout(() => (clearTimeout(timer), resolve(null))), { once: true });
    });
  const before = drawn();
  const ext = gl.getExtension('WEBGL_lose_context')!;
  const lostEvent = event('webglcontextlost');
  ext.loseContext();
  await lostEvent;
  const whileLost = drawn();
  const restored = event('webglcontextrestored');
  ext.restoreContext();
  await restored;
  const after = drawn();
  // The selected cell's white rim (near white after blending; no class colour is): none before selecting, some after, without repacking.
  const white = () => {
    const all = new Uint8Array(canvas.width * canvas.height * 4);
    gl.readPixels(0, 0, canvas.width, canvas.height, gl.RGBA, gl.UNSIGNED_BYTE, all);
    let n = 0;
    for (let i = 0; i < all.length; i += 4) if (all[i]! >= 220 && all[i + 1]! >= 220 && all[i + 2]! >= 220 && all[i + 3]! > 0) n++;
    return n;
  };
  const unselected = white();
  // Cell 10 lies in the first row, on screen at this zoom.
  renderer.setSelected(10);
  renderer.draw(t, 30);
  return { before, whileLost, after, unselected, selected: white() };
}

(window as unknown as { cellDraw: typeof run }).cellDraw = run;
