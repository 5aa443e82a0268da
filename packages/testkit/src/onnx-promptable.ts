/**
 * A small promptable (SAM-style) model pair the project builds itself, run through the real
 * onnxruntime-node like the window model (onnx-model.ts):
 * - the encoder is the window model with its output named `image_embeddings`: per pixel, how
 *   much its smoothed HU lies in the window (computed once per slice and cached by the runtime);
 * - the decoder takes that embedding, `point_coords` [1, N, 2] (x, y) and `point_labels` [1, N]
 *   and draws `masks` logits [1, 1, H, W]: positive where the embedding is above ½ within
 *   `radius` voxels of a foreground click (label 1; other labels, such as a box's corners 2 and
 *   3, draw nothing in this small decoder).
 * Pixel coordinates come from cumulative sums of ones, so the decoder works at any slice size.
 */
import { node, tensor, valueInfo, windowOnnxModel, Writer, type WindowModelOptions } from './onnx-model';

export interface PromptableModelOptions extends WindowModelOptions {
  /** How far from a click the decoder draws, in voxels. */
  readonly radius: number;
}

/** Steepness of the distance cut (per voxel²) and the logit scale. */
const EDGE = 4, SCALE = 20;

export function promptableOnnxModels(options: PromptableModelOptions): { encoder: Uint8Array; decoder: Uint8Array } {
  const encoder = windowOnnxModel({ ...options, outputName: 'image_embeddings' });
  const r2 = options.radius * options.radius;
  const decoder = new Writer()
    .int(1, 8)
    .string(2, 'delineate-testkit')
    .message(7, (g) => {
      // Pixel grids: cumulative sums of ones along x and y, minus one.
      node(g, 'Mul', ['image_embeddings', 'zero'], ['zeros']);
      node(g, 'Add', ['zeros', 'one'], ['ones']);
      node(g, 'CumSum', ['ones', 'axis_x'], ['cum_x']);
      node(g, 'CumSum', ['ones', 'axis_y'], ['cum_y']);
      node(g, 'Sub', ['cum_x', 'one'], ['grid_x']);
      node(g, 'Sub', ['cum_y', 'one'], ['grid_y']);
      // Each click as [1, N, 1, 1], broadcast against the grids to [1, N, H, W].
      node(g, 'Slice', ['point_coords', 'first', 'second', 'last_axis'], ['coord_x']);
      node(g, 'Slice', ['point_coords', 'second', 'third', 'last_axis'], ['coord_y']);
      node(g, 'Reshape', ['coord_x', 'per_point'], ['px']);
      node(g, 'Reshape', ['coord_y', 'per_point'], ['py']);
      node(g, 'Reshape', ['point_labels', 'per_point'], ['labels']);
      node(g, 'Sub', ['grid_x', 'px'], ['dx']);
      node(g, 'Sub', ['grid_y', 'py'], ['dy']);
      node(g, 'Mul', ['dx', 'dx'], ['dx2']);
      node(g, 'Mul', ['dy', 'dy'], ['dy2']);
      node(g, 'Add', ['dx2', 'dy2'], ['d2']);
      // A point that is not a foreground click is pushed out of reach.
      node(g, 'Sub', ['labels', 'one'], ['label_off']);
      node(g, 'Abs', ['label_off'], ['label_dist']);
      node(g, 'Clip', ['label_dist', 'zero', 'one'], ['not_foreground']);
      node(g, 'Mul', ['not_foreground', 'far'], ['penalty']);
      node(g, 'Add', ['d2', 'penalty'], ['d2_fg']);
      node(g, 'ReduceMin', ['d2_fg'], ['nearest'], [{ name: 'axes', ints: [1] }]);
      node(g, 'Sub', ['r2', 'nearest'], ['reach']);
      node(g, 'Mul', ['reach', 'edge'], ['reach_scaled']);
      node(g, 'Sigmoid', ['reach_scaled'], ['near']);
      node(g, 'Mul', ['image_embeddings', 'near'], ['drawn']);
      node(g, 'Sub', ['drawn', 'half'], ['centred']);
      node(g, 'Mul', ['centred', 'scale'], ['masks']);
      g.string(2, 'click-decoder');
      tensor(g, 'zero', [], [0]);
      tensor(g, 'one', [], [1]);
      tensor(g, 'half', [], [0.5]);
      tensor(g, 'far', [], [1e9]);
      tensor(g, 'r2', [], [r2]);
      tensor(g, 'edge', [], [EDGE]);
      tensor(g, 'scale', [], [SCALE]);
      tensor(g, 'axis_x', [], [3], true);
      tensor(g, 'axis_y', [], [2], true);
      tensor(g, 'first', [1], [0], true);
      tensor(g, 'second', [1], [1], true);
      tensor(g, 'third', [1], [2], true);
      tensor(g, 'last_axis', [1], [2], true);
      tensor(g, 'per_point', [4], [1, -1, 1, 1], true);
      valueInfo(g, 11, 'image_embeddings');
      valueInfo(g, 11, 'point_coords', [1, 'N', 2]);
      valueInfo(g, 11, 'point_labels', [1, 'N']);
      valueInfo(g, 12, 'masks');
    })
    .message(8, (o) => o.string(1, '').int(2, 13))
    .finish();
  return { encoder, decoder };
}

/**
 * The decoder's computation in JavaScript on one slice's embedding (x fastest): 1 where the
 * model draws. Tests compare the ONNX runs against it.
 */
export function promptableDecoderSlice(embedding: ArrayLike<number>, columns: number, rows: number, clicks: readonly (readonly [number, number])[], radius: number): Uint8Array {
  const out = new Uint8Array(columns * rows);
  const r2 = radius * radius;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      let nearest = Infinity;
      for (const [cx, cy] of clicks) nearest = Math.min(nearest, (x - cx) ** 2 + (y - cy) ** 2);
      const near = 1 / (1 + Math.exp(-EDGE * (r2 - nearest)));
      out[x + columns * y] = (embedding[x + columns * y]! * near - 0.5) * SCALE > 0 ? 1 : 0;
    }
  }
  return out;
}
