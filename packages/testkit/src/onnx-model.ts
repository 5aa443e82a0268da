/**
 * A small real ONNX model the project builds itself (no pretrained medical weights can be
 * downloaded here): a 2-D network with set weights that smooths a CT slice (3×3 mean) and marks
 * the pixels whose smoothed HU lies in a window. Encoded by hand in protobuf wire format, so no
 * protobuf library is needed. Graph (opset 13), input `image` [1, 1, H, W] float32 HU:
 *   Conv 3×3 (weights 1/9, pads 1)              → smoothed HU
 *   Conv 1×1, 2 channels (k, −k; −k·low, k·high) → Sigmoid → inside-low, inside-high
 *   Conv 1×1 summing both, bias −1               → Clip [0, 1] → `probability` [1, 1, H, W]
 * With steepness k (per HU) the output is ≈ 1 inside the window and ≈ 0 outside.
 */

export interface WindowModelOptions {
  readonly low: number;
  readonly high: number;
  /** Sigmoid steepness per HU (default 0.5). */
  readonly steepness?: number;
  /** The output's name (default `probability`; a promptable model's encoder names it its embedding). */
  readonly outputName?: string;
}

export class Writer {
  readonly #parts: number[] = [];
  varint(value: number | bigint): this {
    let v = BigInt(value);
    if (v < 0n) v += 1n << 64n;
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      this.#parts.push(byte);
    } while (v > 0n);
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  int(field: number, value: number): this {
    return this.tag(field, 0).varint(value);
  }
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2).varint(value.length);
    for (const b of value) this.#parts.push(b);
    return this;
  }
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }
  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.bytes(field, inner.finish());
  }
  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(new Float32Array([value]).buffer);
    for (const x of b) this.#parts.push(x);
    return this;
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.#parts);
  }
}

const FLOAT = 1, INT64 = 7;
const ATTR_FLOAT = 1, ATTR_INTS = 7;

/** An initializer: float32, or int64 (shapes, axes) when `int64` is set. */
export function tensor(w: Writer, name: string, dims: readonly number[], values: readonly number[], int64 = false): void {
  w.message(5, (t) => {
    for (const d of dims) t.int(1, d);
    t.int(2, int64 ? INT64 : FLOAT);
    t.string(8, name);
    t.bytes(9, new Uint8Array(int64 ? new BigInt64Array(values.map((v) => BigInt(v))).buffer : new Float32Array(values).buffer));
  });
}

export function node(w: Writer, op: string, inputs: readonly string[], outputs: readonly string[], attributes: ReadonlyArray<{ name: string; ints?: readonly number[]; f?: number }> = []): void {
  w.message(1, (n) => {
    for (const i of inputs) n.string(1, i);
    for (const o of outputs) n.string(2, o);
    n.string(3, `${op}_${outputs[0]}`);
    n.string(4, op);
    for (const a of attributes) {
      n.message(5, (m) => {
        m.string(1, a.name);
        if (a.f !== undefined) m.float(2, a.f).int(20, ATTR_FLOAT);
        if (a.ints) {
          for (const v of a.ints) m.int(8, v);
          m.int(20, ATTR_INTS);
        }
      });
    }
  });
}

/** A graph input (field 11) or output (12), float32, its dimensions fixed or named. */
export function valueInfo(w: Writer, field: number, name: string, dims: readonly (number | string)[] = [1, 1, 'H', 'W']): void {
  w.message(field, (v) => {
    v.string(1, name);
    v.message(2, (type) =>
      type.message(1, (t) => {
        t.int(1, FLOAT);
        t.message(2, (shape) => {
          for (const d of dims) shape.message(1, (m) => (typeof d === 'number' ? m.int(1, d) : m.string(2, d)));
        });
      }),
    );
  });
}

/** The ONNX file (ModelProto bytes) of the window model. */
export function windowOnnxModel(options: WindowModelOptions): Uint8Array {
  const k = options.steepness ?? 0.5;
  return new Writer()
    .int(1, 8)
    .string(2, 'delineate-testkit')
    .message(7, (g) => {
      node(g, 'Conv', ['image', 'smooth_w', 'smooth_b'], ['smoothed'], [{ name: 'kernel_shape', ints: [3, 3] }, { name: 'pads', ints: [1, 1, 1, 1] }]);
      node(g, 'Conv', ['smoothed', 'edges_w', 'edges_b'], ['edges'], [{ name: 'kernel_shape', ints: [1, 1] }]);
      node(g, 'Sigmoid', ['edges'], ['inside']);
      node(g, 'Conv', ['inside', 'sum_w', 'sum_b'], ['band'], [{ name: 'kernel_shape', ints: [1, 1] }]);
      node(g, 'Clip', ['band', 'zero', 'one'], [options.outputName ?? 'probability']);
      g.string(2, 'hu-window');
      tensor(g, 'smooth_w', [1, 1, 3, 3], Array.from({ length: 9 }, () => 1 / 9));
      tensor(g, 'smooth_b', [1], [0]);
      tensor(g, 'edges_w', [2, 1, 1, 1], [k, -k]);
      tensor(g, 'edges_b', [2], [-k * options.low, k * options.high]);
      tensor(g, 'sum_w', [1, 2, 1, 1], [1, 1]);
      tensor(g, 'sum_b', [1], [-1]);
      tensor(g, 'zero', [], [0]);
      tensor(g, 'one', [], [1]);
      valueInfo(g, 11, 'image');
      valueInfo(g, 12, options.outputName ?? 'probability');
    })
    .message(8, (o) => o.string(1, '').int(2, 13))
    .finish();
}

/**
 * The same computation in JavaScript, for one slice (x fastest): what the test MONAI Label
 * service answers, so all three runtimes can be compared on one phantom.
 */
export function windowModelSlice(hu: ArrayLike<number>, columns: number, rows: number, options: WindowModelOptions): Float32Array {
  const k = options.steepness ?? 0.5;
  const out = new Float32Array(columns * rows);
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      let sum = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx, yy = y + dy;
          if (xx >= 0 && yy >= 0 && xx < columns && yy < rows) sum += hu[xx + columns * yy]!;
        }
      }
      const s = sum / 9;
      out[x + columns * y] = Math.min(1, Math.max(0, sigmoid(k * (s - options.low)) + sigmoid(k * (options.high - s)) - 1));
    }
  }
  return out;
}
