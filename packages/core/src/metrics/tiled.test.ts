import { describe, expect, it } from 'vitest';
import { labelAgreement, agreementOfVotes } from '../agreement/kappa';
import { staple, staplePatterns } from '../consensus/staple';
import { encodeRle8 } from '../encoding/rle';
import { alignTiles, type OrdinalTile } from '../encoding/tile-iterator';
import { cutRle8, tileGridOf, tileOrdinal, type TileGrid } from '../encoding/tiles';
import { gridOf } from '../mask/grid';
import { labelMap, selectLabel } from '../mask/mask';
import { seededRandom } from '../test/volumes';
import { overlapCounts } from './overlap';
import { countTiledLabelPatterns, tiledLabelVolume, tiledOverlapCounts, tiledStaplePatterns, tiledVoteHistogram } from './tiled';

/** Blobs of labels 1 and 2 (ellipsoids at seeded places), so masks overlap partly, as readers' do. */
function blobVolume(dims: [number, number, number], seed: number, blobs: number): Uint8Array {
  const [nx, ny, nz] = dims;
  const random = seededRandom(seed);
  const v = new Uint8Array(nx * ny * nz);
  for (let b = 0; b < blobs; b++) {
    const c = [random() * nx, random() * ny, random() * nz];
    const r = [5 + random() * nx * 0.2, 5 + random() * ny * 0.2, 1 + random() * nz * 0.5];
    const label = b % 3 === 2 ? 2 : 1;
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          if (((x - c[0]!) / r[0]!) ** 2 + ((y - c[1]!) / r[1]!) ** 2 + ((z - c[2]!) / r[2]!) ** 2 <= 1) v[(z * ny + y) * nx + x] = label;
        }
  }
  return v;
}

/** A mask as a tile store yields it: its non-empty tiles, in volume order. */
async function* tilesOf(grid: TileGrid, volume: Uint8Array): AsyncGenerator<OrdinalTile> {
  const cut = cutRle8(grid, encodeRle8(volume));
  if (!cut.ok) throw new Error(cut.reason);
  for (const t of cut.tiles) yield { ordinal: tileOrdinal(grid, t.position), runs: t.runs };
}

const cases: Array<{ name: string; dims: [number, number, number]; tileSize: number }> = [
  { name: 'one 512² tile per slice', dims: [96, 80, 6], tileSize: 512 },
  { name: 'many tiles, edge tiles cut short', dims: [100, 70, 4], tileSize: 16 },
];

describe('metrics over tiled masks equal those over whole volumes', () => {
  for (const { name, dims, tileSize } of cases) {
    it(name, async () => {
      const grid = tileGridOf(dims[0], dims[1], dims[2], tileSize);
      const vgrid = gridOf(dims, [0.8, 0.8, 2.5]);
      // Three readers; the third is empty in some tiles the others paint.
      const volumes = [blobVolume(dims, 1, 6), blobVolume(dims, 1, 5), blobVolume(dims, 7, 4)];
      const counts = await countTiledLabelPatterns(grid, 3, alignTiles(grid, volumes.map((v) => tilesOf(grid, v))), [1, 2]);
      expect(counts.voxels).toBe(dims[0] * dims[1] * dims[2]);
      for (const label of [1, 2]) {
        const masks = volumes.map((v) => selectLabel(labelMap(vgrid, v), label));
        for (let a = 0; a < 3; a++) {
          expect(tiledLabelVolume(counts, label, a)).toBe(masks[a]!.data.reduce((s, x) => s + x, 0));
          for (let b = 0; b < 3; b++) if (a !== b) expect(tiledOverlapCounts(counts, label, a, b), `${label}: ${a} vs ${b}`).toEqual(overlapCounts(masks[a]!, masks[b]!));
        }
        const whole = labelAgreement(volumes.map((v) => labelMap(vgrid, v)), label, { kind: 'image' });
        const tiled = agreementOfVotes(tiledVoteHistogram(counts, label));
        expect(tiled.fleissKappa).toBe(whole.fleissKappa);
        expect(tiled.krippendorffAlpha).toBe(whole.krippendorffAlpha);

        const st = staple(volumes, { foregroundValue: label });
        const tiledSt = staplePatterns(tiledStaplePatterns(counts, label));
        expect(tiledSt.sensitivity).toEqual(st.sensitivity);
        expect(tiledSt.specificity).toEqual(st.specificity);
        expect(tiledSt.iterations).toBe(st.iterations);
        expect(tiledSt.prior).toBe(st.prior);
        // Each voxel's posterior is its pattern's: the same as the whole-volume STAPLE's.
        const pc = tiledStaplePatterns(counts, label);
        const byCode = new Map([...pc.codes].map((code, k) => [code, tiledSt.posterior[k]!]));
        for (let i = 0; i < st.probability.length; i += 37) {
          let code = 0;
          volumes.forEach((v, r) => { if (v[i] === label) code |= 1 << r; });
          expect(Math.fround(byCode.get(code)!)).toBe(st.probability[i]);
        }
      }
      expect([...counts.present[0]!].sort()).toEqual([1, 2]);
    });
  }

  it('counts a grid no mask paints as one pattern of zeros', async () => {
    const grid = tileGridOf(40, 30, 2, 16);
    const none = async function* (): AsyncGenerator<OrdinalTile> {};
    const counts = await countTiledLabelPatterns(grid, 2, alignTiles(grid, [none(), none()]), [1]);
    expect([...counts.patterns.get(1)!]).toEqual([[0, 2400]]);
    expect(tiledOverlapCounts(counts, 1, 0, 1)).toEqual({ truePositive: 0, falsePositive: 0, falseNegative: 0, trueNegative: 2400 });
  });

  it('refuses tiles out of order or off the grid', async () => {
    const grid = tileGridOf(40, 30, 1, 16);
    const runs = encodeRle8(new Uint8Array(256).fill(1));
    const backwards = async function* (): AsyncGenerator<OrdinalTile> {
      yield { ordinal: 2, runs };
      yield { ordinal: 1, runs };
    };
    const off = async function* (): AsyncGenerator<OrdinalTile> {
      yield { ordinal: 6, runs };
    };
    await expect(countTiledLabelPatterns(grid, 1, alignTiles(grid, [backwards()]), [1])).rejects.toThrow(/ascending/);
    await expect(countTiledLabelPatterns(grid, 1, alignTiles(grid, [off()]), [1])).rejects.toThrow(/outside the grid/);
  });
});
