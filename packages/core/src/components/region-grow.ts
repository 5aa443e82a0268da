import { IntColumn, type Intensities, type VolumeDims } from './components';

/** A click's voxel (x, y, z) on the volume's grid. */
export type Voxel = readonly [number, number, number];

export interface RegionGrowOptions {
  /** Voxels within ± this of the seed's value join (Hounsfield units for CT). */
  readonly tolerance: number;
  /** Stop growing beyond this many voxels (a click in air should not flood the scan). */
  readonly maxVoxels?: number;
}

export interface GrownRegion {
  /** The region as row spans: voxel index of each span's first voxel, and one past its last. */
  readonly spanStart: Int32Array;
  readonly spanEnd: Int32Array;
  readonly voxels: number;
  /** true when growing stopped at `maxVoxels`. */
  readonly truncated: boolean;
}


/**
 * Click-seeded 3-D region growing (6-connected), one slice at a time. Two things made the
 * straightforward walks slow on the 512×512×128 CT: in noisy tissue (±15 HU against σ ≈ 10 HU)
 * a region's rows break into spans of two or three voxels, so scanline span filling spent its time
 * on per-span bookkeeping; and a depth-first walk that steps between slices jumps 512 KiB at a
 * time, so nearly every step missed the cache. Here a slice is flooded in-plane from its seeds
 * (its values and bits stay in cache), then the voxels it gained seed the slices above and below,
 * which are queued until no slice has seeds left. Voxels are bits (4 MiB for 33.5 M voxels) and
 * the region comes back as row spans: a byte per voxel would fault in tens of megabytes of pages
 * for one click. A seed outside the grid gives an empty region.
 */
export function growRegion(values: Intensities, dims: VolumeDims, seed: Voxel, options: RegionGrowOptions): GrownRegion {
  const [nx, ny, nz] = dims;
  if (values.length !== nx * ny * nz) throw new RangeError('values do not match the dimensions');
  const [sx, sy, sz] = seed;
  if (![sx, sy, sz].every(Number.isInteger) || sx < 0 || sy < 0 || sz < 0 || sx >= nx || sy >= ny || sz >= nz) {
    return { spanStart: new Int32Array(0), spanEnd: new Int32Array(0), voxels: 0, truncated: false };
  }
  const plane = nx * ny;
  const inside = new Uint32Array((values.length + 31) >>> 5);
  const centre = values[sx + nx * (sy + ny * sz)]!;
  const low = centre - options.tolerance, high = centre + options.tolerance;
  const limit = options.maxVoxels ?? Infinity;
  // Seeds waiting per slice (in-plane offsets) and the slices that have any.
  const pending: (IntColumn | undefined)[] = new Array<IntColumn | undefined>(nz);
  const queued = new Uint8Array(nz);
  const slices = new IntColumn();
  const seedSlice = (z: number, offset: number) => {
    let column = pending[z];
    if (!column) pending[z] = column = new IntColumn();
    column.push(offset);
    if (queued[z] === 0) {
      queued[z] = 1;
      slices.push(z);
    }
  };
  seedSlice(sz, sx + nx * sy);
  let stack: Int32Array = new Int32Array(2048);
  // The voxels a slice gained (in-plane offsets): at most the whole plane.
  const gained = new Int32Array(plane);
  let voxels = 0;
  let z0 = sz, z1 = sz;
  while (slices.length > 0 && voxels < limit) {
    const z = slices.data[--slices.length]!;
    queued[z] = 0;
    const seeds = pending[z]!;
    const base = z * plane;
    let count = 0;
    let top = 0;
    for (let k = 0; k < seeds.length && voxels < limit; k++) {
      const offset = seeds.data[k]!, j = base + offset;
      if ((inside[j >>> 5]! & (1 << (j & 31))) !== 0) continue;
      inside[j >>> 5]! |= 1 << (j & 31);
      gained[count++] = offset;
      voxels++;
      if (top + 2 > stack.length) stack = doubled(stack);
      stack[top++] = offset;
      stack[top++] = offset % nx;
      // In-plane flood; entries are (offset, x) so no division finds a neighbour, and the four
      // neighbours are written out because a helper closure here cost a fifth of the time.
      while (top > 0 && voxels < limit) {
        const x = stack[--top]!, p = stack[--top]!;
        if (top + 8 > stack.length) stack = doubled(stack);
        let q = base + p - 1;
        if (x > 0 && (inside[q >>> 5]! & (1 << (q & 31))) === 0 && values[q]! >= low && values[q]! <= high) {
          inside[q >>> 5]! |= 1 << (q & 31);
          gained[count++] = p - 1;
          voxels++;
          stack[top++] = p - 1;
          stack[top++] = x - 1;
        }
        q = base + p + 1;
        if (x < nx - 1 && (inside[q >>> 5]! & (1 << (q & 31))) === 0 && values[q]! >= low && values[q]! <= high) {
          inside[q >>> 5]! |= 1 << (q & 31);
          gained[count++] = p + 1;
          voxels++;
          stack[top++] = p + 1;
          stack[top++] = x + 1;
        }
        q = base + p - nx;
        if (p >= nx && (inside[q >>> 5]! & (1 << (q & 31))) === 0 && values[q]! >= low && values[q]! <= high) {
          inside[q >>> 5]! |= 1 << (q & 31);
          gained[count++] = p - nx;
          voxels++;
          stack[top++] = p - nx;
          stack[top++] = x;
        }
        q = base + p + nx;
        if (p + nx < plane && (inside[q >>> 5]! & (1 << (q & 31))) === 0 && values[q]! >= low && values[q]! <= high) {
          inside[q >>> 5]! |= 1 << (q & 31);
          gained[count++] = p + nx;
          voxels++;
          stack[top++] = p + nx;
          stack[top++] = x;
        }
      }
    }
    seeds.length = 0;
    if (count === 0) continue;
    if (z < z0) z0 = z;
    if (z > z1) z1 = z;
    for (let w = z - 1; w <= z + 1; w += 2) {
      if (w < 0 || w >= nz) continue;
      const wBase = w * plane;
      for (let k = 0; k < count; k++) {
        const offset = gained[k]!, j = wBase + offset;
        if ((inside[j >>> 5]! & (1 << (j & 31))) === 0 && values[j]! >= low && values[j]! <= high) seedSlice(w, offset);
      }
    }
  }
  // The voxel that reached the limit may have added up to three more neighbours: the region is cut, not exact.
  return { ...spansOf(inside, nx, z0 * plane, (z1 + 1) * plane), voxels, truncated: voxels >= limit };
}

function doubled(stack: Int32Array): Int32Array {
  const grown = new Int32Array(stack.length * 2);
  grown.set(stack);
  return grown;
}

/**
 * The set bits of `inside` between voxels `from` and `to` as row spans: runs are found a word at
 * a time (empty words cost one read) and cut where a row ends.
 */
function spansOf(inside: Uint32Array, nx: number, from: number, to: number): Pick<GrownRegion, 'spanStart' | 'spanEnd'> {
  const starts = new IntColumn(), ends = new IntColumn();
  const addRun = (a: number, b: number) => {
    // A run continuing the previous one across a word boundary, within its row, extends it.
    if (ends.length > 0 && ends.data[ends.length - 1] === a && a % nx !== 0) {
      a = starts.data[--starts.length]!;
      ends.length--;
    }
    while (b > a) {
      const rowEnd = (Math.floor(a / nx) + 1) * nx;
      const end = Math.min(b, rowEnd);
      starts.push(a);
      ends.push(end);
      a = end;
    }
  };
  for (let word = from >>> 5, lastWord = (to - 1) >>> 5; word <= lastWord; word++) {
    let bits = inside[word]!;
    let offset = 0;
    while (bits !== 0) {
      const zeros = 31 - Math.clz32(bits & -bits);
      bits = bits >>> zeros;
      offset += zeros;
      const ones = bits === -1 || bits === 0xffffffff ? 32 - offset : 31 - Math.clz32(~bits & (bits + 1));
      addRun(word * 32 + offset, word * 32 + offset + ones);
      offset += ones;
      bits = ones >= 32 ? 0 : bits >>> ones;
    }
  }
  return { spanStart: starts.view(), spanEnd: ends.view() };
}

/** The region as a mask (1 inside) on a volume of `voxelCount` voxels. */
export function regionMask(region: GrownRegion, voxelCount: number): Uint8Array {
  const mask = new Uint8Array(voxelCount);
  for (let k = 0; k < region.spanStart.length; k++) mask.fill(1, region.spanStart[k]!, region.spanEnd[k]!);
  return mask;
}
