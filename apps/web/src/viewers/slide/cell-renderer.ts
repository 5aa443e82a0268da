/**
 * Cells over the slide in WebGL2 (issue 17 §2): every cell is one point sprite (a ring for nuclei,
 * a filled dot for point classes, coloured by class), and nuclei outlines are line segments drawn
 * only once they are large enough on screen to read (level of detail: zoomed out, centroids only).
 * Cells are packed in spatial chunks (CHUNK_PIXELS squares, contiguous in the buffers) and a frame
 * draws only the chunks that meet the view, in draws of at most MAX_DRAW_VERTICES vertices. One
 * draw of all 2.4 million outline vertices (100,000 nuclei zoomed in) took over half a second a
 * frame under SwiftShader (bench cell-draw), the likely cause of the stalls and lost contexts seen
 * before. Positions are relative to an origin near the cells, so float32 keeps sub-pixel
 * precision on a 100,000-pixel slide; panning and zooming change two uniforms.
 */
import type { Cell } from '@delineate/schema';
import type { Affine } from './label-overlay';

/** Classes drawn with distinct colours; more share the last. */
export const MAX_CLASSES = 32;

/** Screen pixels a nucleus must span before its outline is drawn instead of only its marker. */
const OUTLINE_FROM_PIXELS = 8;

/** Side of a spatial chunk, in slide pixels: a 40× view meets about a dozen, so little outside it is drawn. */
export const CHUNK_PIXELS = 512;
/** Vertices per draw call at most (a software rasteriser's command stays bounded). */
export const MAX_DRAW_VERTICES = 65_536;

/** One chunk's cells: their box (outlines included, origin-relative) and ranges in the buffers. */
export interface CellChunk {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  pointStart: number;
  pointCount: number;
  lineStart: number;
  lineCount: number;
}

export interface CellBuffers {
  /** x, y (relative to the origin), class index, selected flag: 4 floats per cell. */
  points: Float32Array;
  /** Outline segments of nuclei: x0, y0, x1, y1 … (2 floats per vertex), class index per vertex in `lineClasses`. */
  lines: Float32Array;
  lineClasses: Float32Array;
  count: number;
  /** Spatial chunks in buffer order (row of chunks, then column). */
  chunks: CellChunk[];
}

/** Packs cells for the GPU chunk by chunk (pure, so it is tested without a browser). */
export function packCells(cells: Iterable<Cell>, classIndex: ReadonlyMap<string, number>, origin: readonly [number, number], selected: number | null): CellBuffers {
  const chunkOf = (c: Cell) => [Math.floor((c.y - origin[1]) / CHUNK_PIXELS), Math.floor((c.x - origin[0]) / CHUNK_PIXELS)] as const;
  const keyed = [...cells].map((c, i) => ({ c, i, k: chunkOf(c) }));
  // Stable: within a chunk cells keep their order.
  keyed.sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || a.i - b.i);
  const points = new Float32Array(keyed.length * 4);
  let segments = 0;
  for (const { c } of keyed) segments += c.polygon?.length ?? 0;
  const lines = new Float32Array(segments * 4);
  const lineClasses = new Float32Array(segments * 2);
  const chunks: CellChunk[] = [];
  let chunk: CellChunk | null = null;
  let last = '';
  let p = 0, l = 0, k = 0;
  for (const [n, { c, k: key }] of keyed.entries()) {
    const id = `${key[0]},${key[1]}`;
    if (id !== last || !chunk) {
      chunk = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity, pointStart: n, pointCount: 0, lineStart: l / 2, lineCount: 0 };
      chunks.push(chunk);
      last = id;
    }
    const cls = Math.min(classIndex.get(c.classKey) ?? MAX_CLASSES - 1, MAX_CLASSES - 1);
    const x = c.x - origin[0], y = c.y - origin[1];
    points[p++] = x;
    points[p++] = y;
    points[p++] = cls + (c.polygon ? 0.5 : 0);
    points[p++] = c.id === selected ? 1 : 0;
    chunk.pointCount++;
    chunk.x0 = Math.min(chunk.x0, x);
    chunk.y0 = Math.min(chunk.y0, y);
    chunk.x1 = Math.max(chunk.x1, x);
    chunk.y1 = Math.max(chunk.y1, y);
    const poly = c.polygon;
    if (!poly) continue;
    for (let i = 0; i < poly.length; i++) {
      const a = poly[i]!, b = poly[(i + 1) % poly.length]!;
      lines[l++] = a[0] - origin[0];
      lines[l++] = a[1] - origin[1];
      lines[l++] = b[0] - origin[0];
      lines[l++] = b[1] - origin[1];
      lineClasses[k++] = cls;
      lineClasses[k++] = cls;
      chunk.x0 = Math.min(chunk.x0, a[0] - origin[0]);
      chunk.y0 = Math.min(chunk.y0, a[1] - origin[1]);
      chunk.x1 = Math.max(chunk.x1, a[0] - origin[0]);
      chunk.y1 = Math.max(chunk.y1, a[1] - origin[1]);
      chunk.lineCount += 2;
    }
  }
  return { points, lines, lineClasses, count: keyed.length, chunks };
}

/** The chunks meeting `view` (origin-relative slide pixels), widened by `pad` for the markers' size. */
export function chunksInView(chunks: readonly CellChunk[], view: { x0: number; y0: number; x1: number; y1: number }, pad = 0): CellChunk[] {
  return chunks.filter((c) => c.x1 >= view.x0 - pad && c.x0 <= view.x1 + pad && c.y1 >= view.y0 - pad && c.y0 <= view.y1 + pad);
}

/** [first, count] draws covering `count` vertices from `first`, none over MAX_DRAW_VERTICES (multiples of `step`). */
export function drawRanges(first: number, count: number, step = 1): Array<[number, number]> {
  const most = MAX_DRAW_VERTICES - (MAX_DRAW_VERTICES % step);
  const out: Array<[number, number]> = [];
  for (let at = 0; at < count; at += most) out.push([first + at, Math.min(most, count - at)]);
  return out;
}

const pointVertex = `#version 300 es
in vec4 a_cell;
uniform mat3 u_toClip;
uniform float u_size;
uniform vec3 u_palette[${MAX_CLASSES}];
out vec3 v_colour;
out float v_ring;
out float v_selected;
void main() {
  vec3 p = u_toClip * vec3(a_cell.xy, 1.0);
  gl_Position = vec4(p.xy, 0.0, 1.0);
  int cls = int(floor(a_cell.z));
  v_ring = fract(a_cell.z) > 0.25 ? 1.0 : 0.0;
  v_selected = a_cell.w;
  v_colour = u_palette[cls];
  gl_PointSize = u_size * (a_cell.w > 0.5 ? 1.6 : 1.0);
}`;

const pointFragment = `#version 300 es
precision mediump float;
in vec3 v_colour;
in float v_ring;
in float v_selected;
out vec4 colour;
void main() {
  float r = length(gl_PointCoord - 0.5) * 2.0;
  if (r > 1.0) discard;
  if (v_ring > 0.5 && r < 0.6) discard;
  vec3 c = v_selected > 0.5 && r > 0.8 ? vec3(1.0) : v_colour;
  colour = vec4(c, 0.9);
}`;

const lineVertex = `#version 300 es
in vec2 a_at;
in float a_class;
uniform mat3 u_toClip;
uniform vec3 u_palette[${MAX_CLASSES}];
out vec3 v_colour;
void main() {
  vec3 p = u_toClip * vec3(a_at, 1.0);
  gl_Position = vec4(p.xy, 0.0, 1.0);
  v_colour = u_palette[int(a_class)];
}`;

const lineFragment = `#version 300 es
precision mediump float;
in vec3 v_colour;
out vec4 colour;
void main() { colour = vec4(v_colour, 0.95); }`;

function program(gl: WebGL2RenderingContext, vertex: string, fragment: string): WebGLProgram {
  const compile = (type: number, source: string) => {
    const shader = gl.createShader(type)!;
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`cell shader: ${gl.getShaderInfoLog(shader)}`);
    return shader;
  };
  const p = gl.createProgram()!;
  gl.attachShader(p, compile(gl.VERTEX_SHADER, vertex));
  gl.attachShader(p, compile(gl.FRAGMENT_SHADER, fragment));
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`cell program: ${gl.getProgramInfoLog(p)}`);
  return p;
}

/** `#rrggbb` → three floats. */
export function rgb(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex)?.[1] ?? 'ffffff';
  return [parseInt(m.slice(0, 2), 16) / 255, parseInt(m.slice(2, 4), 16) / 255, parseInt(m.slice(4, 6), 16) / 255];
}

export class CellRenderer {
  readonly #gl: WebGL2RenderingContext;
  readonly #points: WebGLProgram;
  readonly #lines: WebGLProgram;
  readonly #pointBuffer: WebGLBuffer;
  readonly #lineBuffer: WebGLBuffer;
  readonly #lineClassBuffer: WebGLBuffer;
  readonly #pointVao: WebGLVertexArrayObject;
  readonly #lineVao: WebGLVertexArrayObject;
  #count = 0;
  #lineVertices = 0;
  #chunks: CellChunk[] = [];
  #lost = false;
  #palette = new Float32Array(MAX_CLASSES * 3);
  /** Draw calls made (the e2e test and the benchmark read it). */
  draws = 0;

  /** Draw calls of the last frame, and chunks drawn (the benchmark reads them). */
  lastFrame = { drawCalls: 0, chunks: 0 };

  /** Null where WebGL2 is not available (the cells are then not drawn, and the panel says so). */
  static create(canvas: HTMLCanvasElement): CellRenderer | null {
    const gl = canvas.getContext('webgl2', { premultipliedAlpha: false, antialias: false, preserveDrawingBuffer: true });
    if (!gl) return null;
    const renderer = new CellRenderer(gl);
    // A lost context draws nothing rather than throwing on every frame; `lost` tells the caller.
    canvas.addEventListener('webglcontextlost', (e) => {
      e.preventDefault();
      renderer.#lost = true;
    });
    return renderer;
  }

  get lost(): boolean {
    return this.#lost || this.#gl.isContextLost();
  }

  private constructor(gl: WebGL2RenderingContext) {
    this.#gl = gl;
    this.#points = program(gl, pointVertex, pointFragment);
    this.#lines = program(gl, lineVertex, lineFragment);
    this.#pointBuffer = gl.createBuffer()!;
    this.#lineBuffer = gl.createBuffer()!;
    this.#lineClassBuffer = gl.createBuffer()!;
    this.#pointVao = gl.createVertexArray()!;
    gl.bindVertexArray(this.#pointVao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#pointBuffer);
    const cell = gl.getAttribLocation(this.#points, 'a_cell');
    gl.enableVertexAttribArray(cell);
    gl.vertexAttribPointer(cell, 4, gl.FLOAT, false, 0, 0);
    this.#lineVao = gl.createVertexArray()!;
    gl.bindVertexArray(this.#lineVao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#lineBuffer);
    const at = gl.getAttribLocation(this.#lines, 'a_at');
    gl.enableVertexAttribArray(at);
    gl.vertexAttribPointer(at, 2, gl.FLOAT, false, 0, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#lineClassBuffer);
    const cls = gl.getAttribLocation(this.#lines, 'a_class');
    gl.enableVertexAttribArray(cls);
    gl.vertexAttribPointer(cls, 1, gl.FLOAT, false, 0, 0);
    gl.bindVertexArray(null);
  }

  setPalette(colours: readonly string[]): void {
    this.#palette = new Float32Array(MAX_CLASSES * 3);
    colours.slice(0, MAX_CLASSES).forEach((c, i) => this.#palette.set(rgb(c), i * 3));
  }

  setCells(buffers: CellBuffers): void {
    const gl = this.#gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#pointBuffer);
    gl.bufferData(gl.ARRAY_BUFFER, buffers.points, gl.DYNAMIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#lineBuffer);
    gl.bufferData(gl.ARRAY_BUFFER, buffers.lines, gl.DYNAMIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#lineClassBuffer);
    gl.bufferData(gl.ARRAY_BUFFER, buffers.lineClasses, gl.DYNAMIC_DRAW);
    this.#count = buffers.count;
    this.#lineVertices = buffers.lines.length / 2;
    this.#chunks = buffers.chunks;
  }

  /**
   * Draws with `t` (slide pixels relative to the origin → canvas pixels). `nucleusPixels`: a
   * typical nucleus diameter on screen, which picks the level of detail.
   */
  draw(t: Affine, nucleusPixels: number): void {
    const gl = this.#gl;
    if (this.lost) return;
    const { width, height } = gl.canvas;
    gl.viewport(0, 0, width, height);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    this.draws++;
    this.lastFrame = { drawCalls: 0, chunks: 0 };
    if (this.#count === 0) return;
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
    // Canvas pixels → clip space, after the view's affine (column-major mat3).
    const sx = 2 / width, sy = -2 / height;
    const toClip = new Float32Array([t.a * sx, t.b * sy, 0, t.c * sx, t.d * sy, 0, t.e * sx - 1, t.f * sy + 1, 1]);
    const outlines = nucleusPixels >= OUTLINE_FROM_PIXELS && this.#lineVertices > 0;
    const size = Math.max(3, Math.min(14, outlines ? 6 : nucleusPixels * 0.8));
    const visible = chunksInView(this.#chunks, viewOf(t, width, height), (size * 1.6) / Math.max(1e-9, Math.hypot(t.a, t.b)));
    this.lastFrame.chunks = visible.length;
    gl.useProgram(this.#points);
    gl.uniformMatrix3fv(gl.getUniformLocation(this.#points, 'u_toClip'), false, toClip);
    gl.uniform3fv(gl.getUniformLocation(this.#points, 'u_palette'), this.#palette);
    // Markers shrink with the view down to 3 px so a dense field stays readable, and stay at most 14 px.
    gl.uniform1f(gl.getUniformLocation(this.#points, 'u_size'), size);
    gl.bindVertexArray(this.#pointVao);
    for (const c of visible) for (const [first, count] of drawRanges(c.pointStart, c.pointCount)) this.#drawArrays(gl.POINTS, first, count);
    if (outlines) {
      gl.useProgram(this.#lines);
      gl.uniformMatrix3fv(gl.getUniformLocation(this.#lines, 'u_toClip'), false, toClip);
      gl.uniform3fv(gl.getUniformLocation(this.#lines, 'u_palette'), this.#palette);
      gl.bindVertexArray(this.#lineVao);
      for (const c of visible) for (const [first, count] of drawRanges(c.lineStart, c.lineCount, 2)) this.#drawArrays(gl.LINES, first, count);
    }
    gl.bindVertexArray(null);
  }

  #drawArrays(mode: number, first: number, count: number): void {
    if (count === 0) return;
    this.#gl.drawArrays(mode, first, count);
    this.lastFrame.drawCalls++;
  }

  /** Waits for the GPU (the benchmark's frame time includes the drawing, not only its queueing). */
  finish(): void {
    this.#gl.finish();
  }
}

/** The canvas's rectangle in origin-relative slide pixels (the inverse of the view's affine at its corners). */
export function viewOf(t: Affine, width: number, height: number): { x0: number; y0: number; x1: number; y1: number } {
  const det = t.a * t.d - t.b * t.c;
  if (det === 0) return { x0: -Infinity, y0: -Infinity, x1: Infinity, y1: Infinity };
  const back = (u: number, v: number): [number, number] => [(t.d * (u - t.e) - t.c * (v - t.f)) / det, (-t.b * (u - t.e) + t.a * (v - t.f)) / det];
  const corners = [back(0, 0), back(width, 0), back(0, height), back(width, height)];
  const xs = corners.map((c) => c[0]), ys = corners.map((c) => c[1]);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}
