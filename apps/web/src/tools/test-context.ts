import { type Dims } from '../viewer/geometry';
import { Labelmap } from '../viewer/labelmap';
import { defaultToolOptions, type ToolContext, type ToolOptions, type ToolPointer } from './tool';

/** A small volume to run tools on in unit tests (32 × 24 × 10, 1 × 1 × 2 mm). */
export const testDims: Dims = { columns: 32, rows: 24, slices: 10, spacing: [1, 1, 2] };

export function testContext(options: Partial<ToolOptions> = {}, image: Int16Array | null = null, label = 2): ToolContext {
  return { map: new Labelmap(testDims), label, image, options: { ...defaultToolOptions, ...options } };
}

export const axial = (u: number, v: number, s: number, shift = false): ToolPointer => ({ orientation: 'axial', u, v, s, shift });

/** Label-valued voxels on axial slice z. */
export function onSlice(ctx: ToolContext, z: number, value: number): number {
  const plane = testDims.columns * testDims.rows;
  let n = 0;
  for (let i = z * plane; i < (z + 1) * plane; i++) if (ctx.map.data[i] === value) n++;
  return n;
}
