/**
 * Cells over the slide in WebGL2 (issue 17 §2), at the level of detail `cellDetail` picks: zoomed
 * out, map tiles (one textured quad per tile, see cell-map.ts); then every cell as a point sprite
 * (a ring for nuclei, a filled dot for point classes, in its class colour); zoomed in, nuclei
 * outlines as thin line segments as well (through at most 8 corners each until a nucleus is 24 px). Buffers are uploaded once per change of the cell set;
 * panning and zooming change only uniforms, and only the chunks meeting the view are drawn. The
 * selected cell is drawn on top by index, so selecting never repacks. A lost context draws
 * nothing; once the browser restores it, programs and buffers are rebuilt from the last cells.
 */
import type { Affine } from './label-overlay';
import { cellDetail, mapTexel, markerPixels, paintTile, tileBox, tilesInView, TILE_TEXELS, type CellDetail, type MapTile } from './cell-map';
import { chunkDraws, chunksInView, FLOATS_PER_CELL, MAX_CLASSES, rgb, viewOf, type CellBuffers } from './cell-pack';

/** Map tiles kept on the GPU at most (256 KB each); the least recently drawn go first. */
const MAX_TILES = 96;

const pointVertex = `#version 300 es
in vec3 a_cell;
uniform mat3 u_toClip;
uniform float u_size;
uniform vec3 u_palette[${MAX_CLASSES}];
out vec3 v_colour;
out float v_ring;
void main() {
  vec3 p = u_toClip * vec3(a_cell.xy, 1.0);
  gl_Position = vec4(p.xy, 0.0, 1.0);
  v_ring = fract(a_cell.z) > 0.25 ? 1.0 : 0.0;
  v_colour = u_palette[int(floor(a_cell.z))];
  gl_PointSize = u_size;
}`;

const pointFragment = `#version 300 es
precision mediump float;
in vec3 v_colour;
in float v_ring;
uniform float u_highlight;
out vec4 colour;
void main() {
  float r = length(gl_PointCoord - 0.5) * 2.0;
  if (r > 1.0) discard;
  if (v_ring > 0.5 && r < 0.6) discard;
  colour = vec4(u_highlight > 0.5 && r > 0.75 ? vec3(1.0) : v_colour, 0.9);
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

// A tile's quad from the vertex id alone (a triangle strip of four), so it needs no buffer.
const mapVertex = `#version 300 es
uniform mat3 u_toClip;
uniform vec3 u_box;
out vec2 v_at;
void main() {
  v_at = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
  vec3 p = u_toClip * vec3(u_box.xy + v_at * u_box.z, 1.0);
  gl_Position = vec4(p.xy, 0.0, 1.0);
}`;

const mapFragment = `#version 300 es
precision mediump float;
uniform sampler2D u_map;
in vec2 v_at;
out vec4 colour;
void main() { colour = texture(u_map, v_at); }`;

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

/** Everything a context owns: made again when a lost context is restored. */
interface Gpu {
  points: WebGLProgram;
  lines: WebGLProgram;
  map: WebGLProgram;
  pointBuffer: WebGLBuffer;
  lineBuffer: WebGLBuffer;
  lineClassBuffer: WebGLBuffer;
  coarseBuffer: WebGLBuffer;
  coarseClassBuffer: WebGLBuffer;
  pointVao: WebGLVertexArrayObject;
  lineVao: WebGLVertexArrayObject;
  coarseVao: WebGLVertexArrayObject;
  mapVao: WebGLVertexArrayObject;
  /** Map tiles by texel size and position; null for a tile without cells. In least recently drawn order. */
  tiles: Map<string, WebGLTexture | null>;
}

function attribute(gl: WebGL2RenderingContext, p: WebGLProgram, name: string, buffer: WebGLBuffer, size: number): void {
  gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
  const at = gl.getAttribLocation(p, name);
  gl.enableVertexAttribArray(at);
  gl.vertexAttribPointer(at, size, gl.FLOAT, false, 0, 0);
}

function gpuOf(gl: WebGL2RenderingContext): Gpu {
  const g: Gpu = {
    points: program(gl, pointVertex, pointFragment),
    lines: program(gl, lineVertex, lineFragment),
    map: program(gl, mapVertex, mapFragment),
    pointBuffer: gl.createBuffer()!,
    lineBuffer: gl.createBuffer()!,
    lineClassBuffer: gl.createBuffer()!,
    coarseBuffer: gl.createBuffer()!,
    coarseClassBuffer: gl.createBuffer()!,
    pointVao: gl.createVertexArray()!,
    lineVao: gl.createVertexArray()!,
    coarseVao: gl.createVertexArray()!,
    mapVao: gl.createVertexArray()!,
    tiles: new Map(),
  };
  gl.bindVertexArray(g.pointVao);
  attribute(gl, g.points, 'a_cell', g.pointBuffer, FLOATS_PER_CELL);
  gl.bindVertexArray(g.lineVao);
  attribute(gl, g.lines, 'a_at', g.lineBuffer, 2);
  attribute(gl, g.lines, 'a_class', g.lineClassBuffer, 1);
  gl.bindVertexArray(g.coarseVao);
  attribute(gl, g.lines, 'a_at', g.coarseBuffer, 2);
  attribute(gl, g.lines, 'a_class', g.coarseClassBuffer, 1);
  gl.bindVertexArray(null);
  return g;
}

export class CellRenderer {
  readonly #gl: WebGL2RenderingContext;
  #gpu: Gpu;
  #cells: CellBuffers | null = null;
  #selectedId: number | null = null;
  #selectedIndex = -1;
  #lost = false;
  #palette = new Float32Array(MAX_CLASSES * 3);
  /** Draw calls made (the e2e test and the benchmark read it). */
  draws = 0;

  /** The last frame's representation, draw calls, and chunks or map tiles drawn (the benchmark reads them). */
  lastFrame: { detail: CellDetail | null; drawCalls: number; chunks: number } = { detail: null, drawCalls: 0, chunks: 0 };

  /** Null where WebGL2 is not available (the cells are then not drawn, and the panel says so). */
  static create(canvas: HTMLCanvasElement): CellRenderer | null {
    const gl = canvas.getContext('webgl2', { premultipliedAlpha: false, antialias: false, preserveDrawingBuffer: true });
    if (!gl) return null;
    const renderer = new CellRenderer(gl);
    // A lost context draws nothing rather than throwing on every frame; preventing the default asks for it back.
    canvas.addEventListener('webglcontextlost', (e) => {
      e.preventDefault();
      renderer.#lost = true;
    });
    canvas.addEventListener('webglcontextrestored', () => renderer.#restore());
    return renderer;
  }

  get lost(): boolean {
    return this.#lost || this.#gl.isContextLost();
  }

  private constructor(gl: WebGL2RenderingContext) {
    this.#gl = gl;
    this.#gpu = gpuOf(gl);
  }

  #restore(): void {
    this.#gpu = gpuOf(this.#gl);
    this.#lost = false;
    if (this.#cells) this.setCells(this.#cells);
  }

  setPalette(colours: readonly string[]): void {
    this.#palette = new Float32Array(MAX_CLASSES * 3);
    colours.slice(0, MAX_CLASSES).forEach((c, i) => this.#palette.set(rgb(c), i * 3));
    this.#forgetTiles();
  }

  setCells(buffers: CellBuffers): void {
    this.#cells = buffers;
    this.#selectedIndex = this.#selectedId === null ? -1 : buffers.ids.indexOf(this.#selectedId);
    this.#forgetTiles();
    if (this.lost) return;
    const gl = this.#gl, g = this.#gpu;
    const uploads = [
      [g.pointBuffer, buffers.points],
      [g.lineBuffer, buffers.lines],
      [g.lineClassBuffer, buffers.lineClasses],
      [g.coarseBuffer, buffers.coarseLines],
      [g.coarseClassBuffer, buffers.coarseLineClasses],
    ] as const;
    for (const [buffer, data] of uploads) {
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW);
    }
  }

  /** The cell drawn highlighted (by id; null for none). */
  setSelected(id: number | null): void {
    if (id === this.#selectedId) return;
    this.#selectedId = id;
    this.#selectedIndex = id === null || !this.#cells ? -1 : this.#cells.ids.indexOf(id);
  }

  /**
   * Draws with `t` (slide pixels relative to the origin → canvas pixels). `nucleusPixels`: a
   * typical nucleus diameter on screen, which picks the level of detail.
   */
  draw(t: Affine, nucleusPixels: number): void {
    const gl = this.#gl, g = this.#gpu, cells = this.#cells;
    if (this.lost) return;
    const { width, height } = gl.canvas;
    gl.viewport(0, 0, width, height);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    this.draws++;
    const detail = cellDetail(nucleusPixels, (cells?.lines.length ?? 0) > 0);
    this.lastFrame = { detail, drawCalls: 0, chunks: 0 };
    if (!cells || cells.count === 0) return;
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
    // Canvas pixels → clip space, after the view's affine (column-major mat3).
    const sx = 2 / width, sy = -2 / height;
    const toClip = new Float32Array([t.a * sx, t.b * sy, 0, t.c * sx, t.d * sy, 0, t.e * sx - 1, t.f * sy + 1, 1]);
    const zoom = Math.max(1e-9, Math.hypot(t.a, t.b));
    const view = viewOf(t, width, height);
    const size = markerPixels(detail, nucleusPixels);
    if (detail === 'map') this.#drawMap(toClip, view, zoom);
    else {
      const visible = chunksInView(cells.chunks, view, size / zoom);
      this.lastFrame.chunks = visible.length;
      this.#usePoints(toClip, size, false);
      for (const [first, count] of chunkDraws(visible, 'points')) this.#drawArrays(gl.POINTS, first, count);
      if (detail === 'outlines' || detail === 'simplified outlines') {
        gl.useProgram(g.lines);
        gl.uniformMatrix3fv(gl.getUniformLocation(g.lines, 'u_toClip'), false, toClip);
        gl.uniform3fv(gl.getUniformLocation(g.lines, 'u_palette'), this.#palette);
        const full = detail === 'outlines';
        gl.bindVertexArray(full ? g.lineVao : g.coarseVao);
        for (const [first, count] of chunkDraws(visible, full ? 'lines' : 'coarse lines')) this.#drawArrays(gl.LINES, first, count);
      }
    }
    if (this.#selectedIndex >= 0) {
      this.#usePoints(toClip, Math.max(10, size * 1.6), true);
      this.#drawArrays(gl.POINTS, this.#selectedIndex, 1);
    }
    gl.bindVertexArray(null);
  }

  #usePoints(toClip: Float32Array, size: number, highlight: boolean): void {
    const gl = this.#gl, p = this.#gpu.points;
    gl.useProgram(p);
    gl.uniformMatrix3fv(gl.getUniformLocation(p, 'u_toClip'), false, toClip);
    gl.uniform3fv(gl.getUniformLocation(p, 'u_palette'), this.#palette);
    gl.uniform1f(gl.getUniformLocation(p, 'u_size'), size);
    gl.uniform1f(gl.getUniformLocation(p, 'u_highlight'), highlight ? 1 : 0);
    gl.bindVertexArray(this.#gpu.pointVao);
  }

  #drawMap(toClip: Float32Array, view: ReturnType<typeof viewOf>, zoom: number): void {
    const gl = this.#gl, p = this.#gpu.map;
    gl.useProgram(p);
    gl.uniformMatrix3fv(gl.getUniformLocation(p, 'u_toClip'), false, toClip);
    gl.uniform1i(gl.getUniformLocation(p, 'u_map'), 0);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindVertexArray(this.#gpu.mapVao);
    // Tiles never overlap and the canvas is clear, so their texels are written as they are: no
    // blending, which spares the rasteriser reading back every pixel of a full-screen fill.
    gl.disable(gl.BLEND);
    const box = gl.getUniformLocation(p, 'u_box');
    for (const tile of tilesInView(view, mapTexel(zoom))) {
      const texture = this.#tile(tile);
      if (!texture) continue;
      const b = tileBox(tile);
      gl.bindTexture(gl.TEXTURE_2D, texture);
      gl.uniform3f(box, b.x0, b.y0, b.x1 - b.x0);
      this.#drawArrays(gl.TRIANGLE_STRIP, 0, 4);
      this.lastFrame.chunks++;
    }
    gl.bindTexture(gl.TEXTURE_2D, null);
    gl.enable(gl.BLEND);
  }

  /** The tile's texture, painted and uploaded the first time it is drawn. */
  #tile(tile: MapTile): WebGLTexture | null {
    const gl = this.#gl, tiles = this.#gpu.tiles;
    const key = `${tile.texel}:${tile.column}:${tile.row}`;
    if (tiles.has(key)) {
      const kept = tiles.get(key)!;
      tiles.delete(key);
      tiles.set(key, kept);
      return kept;
    }
    const palette = Uint8Array.from(this.#palette, (v) => Math.round(v * 255));
    const texels = this.#cells ? paintTile(this.#cells, tile, palette) : null;
    let texture: WebGLTexture | null = null;
    if (texels) {
      texture = gl.createTexture();
      gl.bindTexture(gl.TEXTURE_2D, texture);
      // Nearest: a cell's texel keeps its class colour instead of fading into its neighbours.
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, TILE_TEXELS, TILE_TEXELS, 0, gl.RGBA, gl.UNSIGNED_BYTE, texels);
    }
    tiles.set(key, texture);
    while (tiles.size > MAX_TILES) {
      const [oldest, gone] = tiles.entries().next().value!;
      tiles.delete(oldest);
      if (gone) gl.deleteTexture(gone);
    }
    return texture;
  }

  #forgetTiles(): void {
    const tiles = this.#gpu.tiles;
    if (!this.lost) for (const texture of tiles.values()) if (texture) this.#gl.deleteTexture(texture);
    tiles.clear();
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
