// Cells at scale (issue 17 §2): 100,000 nuclei (12–16-vertex outlines, 14 px apart) and every
// 50th cell a mitotic point, in the store's columnar form (packages/store/src/pathology/cell-codec.ts)
// beside the same cells as QuPath-style GeoJSON: encoded size, encode and decode (parse) time, and
// picking the cell under a pointer with the grid index (target < 1 ms per pick).
import { loadavg } from 'node:os';
import type { Cell } from '@delineate/schema';
import { CellGridIndex, columnsOf, decodeCells, encodeCells, mulberry32 } from '@delineate/store';
import type { BenchResult } from './types';

const N = 100_000;
const PICKS = 20_000;
const classes = ['nucleus', 'mitotic_figure'];

function cellsOf(n: number): Cell[] {
  const random = mulberry32(17);
  const across = Math.ceil(Math.sqrt(n));
  return Array.from({ length: n }, (_, i): Cell => {
    const x = 1000 + (i % across) * 14 + Math.floor(random() * 3);
    const y = 1000 + Math.floor(i / across) * 14 + Math.floor(random() * 3);
    const base = { id: i + 1, x, y, authorId: '6f1c1e0c-5b7a-4d1e-9b8e-0a6f3f2f9d11', source: { kind: 'person' as const }, reviewStatus: 'unreviewed' as const };
    if (i % 50 === 49) return { ...base, classKey: 'mitotic_figure' };
    const k = 12 + (i % 5), r = 4 + random() * 2;
    return { ...base, classKey: 'nucleus', polygon: Array.from({ length: k }, (_, v): [number, number] => [x + Math.round(r * Math.cos((2 * Math.PI * v) / k)), y + Math.round(r * Math.sin((2 * Math.PI * v) / k))]) };
  });
}

function geoJson(cells: readonly Cell[]): string {
  return JSON.stringify({
    type: 'FeatureCollection',
    features: cells.map((c) => ({
      type: 'Feature',
      geometry: c.polygon ? { type: 'Polygon', coordinates: [[...c.polygon, c.polygon[0]]] } : { type: 'Point', coordinates: [c.x, c.y] },
      properties: { objectType: c.polygon ? 'detection' : 'annotation', classification: { name: c.classKey, color: [200, 0, 0] }, delineateCellId: c.id, authorId: c.authorId, source: 'person', reviewStatus: c.reviewStatus },
    })),
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
function time(runs: number, fn: () => void): number {
  const t: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    fn();
    t.push(performance.now() - start);
  }
  return median(t);
}

export async function run(): Promise<BenchResult> {
  const cells = cellsOf(N);
  const columns = columnsOf(cells, classes, N + 1);
  let bytes = encodeCells(columns);
  const encodeMs = time(5, () => void (bytes = encodeCells(columns)));
  const decodeMs = time(5, () => void decodeCells(bytes));
  let text = geoJson(cells);
  const geoEncodeMs = time(3, () => void (text = geoJson(cells)));
  const geoParseMs = time(3, () => void JSON.parse(text));
  const geoBytes = Buffer.byteLength(text);
  const decoded = decodeCells(bytes);
  const indexMs = time(5, () => void new CellGridIndex(decoded));
  const index = new CellGridIndex(decoded);
  const random = mulberry32(5);
  const span = Math.ceil(Math.sqrt(N)) * 14;
  const points = Array.from({ length: PICKS }, () => [1000 + random() * span, 1000 + random() * span] as const);
  let hits = 0;
  const start = performance.now();
  for (const [x, y] of points) if (index.pick(x, y) >= 0) hits++;
  const pickMs = (performance.now() - start) / PICKS;
  let worst = 0;
  for (const [x, y] of points.slice(0, 2000)) {
    const t0 = performance.now();
    index.pick(x, y);
    worst = Math.max(worst, performance.now() - t0);
  }
  const mb = (n: number) => Number((n / 1e6).toFixed(2));
  return {
    name: 'cells',
    description: `${N.toLocaleString('en')} cells (nuclei with 12–16-vertex outlines, every 50th a mitotic point): the columnar cell set against QuPath-style GeoJSON, and picking with the grid index. Load average at start ${loadavg()[0]!.toFixed(1)}.`,
    rows: [
      { form: 'columnar (DLNC v1)', sizeMB: mb(bytes.length), encodeMs: Number(encodeMs.toFixed(1)), decodeMs: Number(decodeMs.toFixed(1)) },
      { form: 'GeoJSON', sizeMB: mb(geoBytes), encodeMs: Number(geoEncodeMs.toFixed(1)), decodeMs: Number(geoParseMs.toFixed(1)) },
      { form: 'grid index', sizeMB: null, encodeMs: Number(indexMs.toFixed(1)), decodeMs: null, pickMeanMs: Number(pickMs.toFixed(4)), pickWorstMs: Number(worst.toFixed(3)), pickHits: hits },
    ],
    targets: [
      { target: '100,000 nuclei encode under 10 MB', measured: `${mb(bytes.length)} MB (GeoJSON ${mb(geoBytes)} MB)`, met: bytes.length < 10e6 },
      { target: 'picking a cell under 1 ms', measured: `${pickMs.toFixed(4)} ms mean, ${worst.toFixed(3)} ms worst of 2,000`, met: pickMs < 1 },
    ],
    notes: ['Decoding copies each column into an aligned typed array and checks every index; GeoJSON decode is JSON.parse alone (no conversion to arrays).'],
  };
}
