import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { LabelMap } from '@delineate/core';
import { DelineateError, type Label } from '@delineate/schema';

/**
 * Writes a label mask as an OME-Zarr label image (OME-NGFF 0.5 over zarr v3): a group whose
 * `ome` attributes carry `multiscales` (axes, voxel spacing as a `scale` transform) and
 * `image-label` (label value → colour and → the schema's key, name and coded concept), with one
 * uint8 array `0` beside it. Chunks are the mask's tiles, compressed with the zarr v3 `gzip`
 * codec (node:zlib; zarrita decodes it with the platform's DecompressionStream) or `zstd`
 * (numcodecs' WebAssembly build, which zarrita also decodes with); chunks holding only
 * background are not written, as zarr reads a missing chunk as its fill 0.
 *
 * The writer holds one chunk at a time: a 100,000² slide mask never exists whole. It writes into
 * a sibling folder and renames it into place at the end, so a failure leaves nothing behind.
 */

/** The chunk compressor: gzip needs nothing beyond node:zlib; zstd is smaller and faster (docs/ARCHITECTURE.md). */
export type OmeZarrChunkCodec = 'gzip' | 'zstd';

/** Units the axes may carry (UDUNITS-2 names, as OME-NGFF requires). */
export type OmeZarrSpaceUnit = 'millimeter' | 'micrometer';

/** What a label contributes to `image-label`: its value, colour, key, name and concept. */
export type OmeZarrLabel = Pick<Label, 'key' | 'value' | 'name' | 'concept' | 'colour'>;

export interface OmeZarrLabelImage {
  /** Voxels per axis: [y, x] for a 2-D slide, [z, y, x] for a volume (or a slide kept 3-D). */
  readonly shape: readonly number[];
  /** Voxels per chunk per axis; defaults to the mask's tiles, {@link maskTileChunkShape}. */
  readonly chunkShape?: readonly number[];
  /** Size of a voxel along each axis, in `unit`, in the order of `shape`. */
  readonly spacing: readonly number[];
  readonly unit: OmeZarrSpaceUnit;
  /** The label schema's labels; every non-zero voxel must carry one of their values. */
  readonly labels: readonly OmeZarrLabel[];
  /** The multiscale's `name`. */
  readonly name?: string;
  /**
   * Resolution levels (default 1, full resolution only). Each further level halves y and x by
   * taking every second voxel (nearest: a label is never averaged into a value it does not have).
   */
  readonly levels?: number;
  /** Default gzip. */
  readonly codec?: OmeZarrChunkCodec;
}

/**
 * One chunk of the mask, addressed by its chunk-grid coordinates (voxel origin divided by the
 * chunk shape); `z` only for 3-D images. `labels` holds the chunk's voxels x fastest, either the
 * full chunk shape or, at the far edges, only the part inside the image.
 */
export interface OmeZarrLabelChunk {
  readonly z?: number;
  readonly y: number;
  readonly x: number;
  readonly labels: Uint8Array;
}

export interface WrittenOmeZarrLabels {
  /** Chunk files written (the non-empty chunks), over all levels. */
  readonly chunksWritten: number;
  /** Bytes of compressed chunk data written. */
  readonly chunkBytes: number;
}

/** The mask's tiles as chunks: 512 × 512 in-plane, one slice deep. */
export const MASK_TILE_SIZE = 512;

export function maskTileChunkShape(ndim: 2 | 3): number[] {
  return ndim === 2 ? [MASK_TILE_SIZE, MASK_TILE_SIZE] : [1, MASK_TILE_SIZE, MASK_TILE_SIZE];
}

const GZIP_LEVEL = 6;
const ZSTD_LEVEL = 3;
const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

interface ChunkCompressor {
  readonly metadata: { readonly name: string; readonly configuration: object };
  encode(voxels: Uint8Array): Promise<Uint8Array>;
  decode(bytes: Uint8Array): Promise<Uint8Array>;
}

async function chunkCompressor(codec: OmeZarrChunkCodec): Promise<ChunkCompressor> {
  if (codec === 'gzip') {
    return {
      metadata: { name: 'gzip', configuration: { level: GZIP_LEVEL } },
      encode: (voxels) => gzipAsync(voxels, { level: GZIP_LEVEL }),
      decode: (bytes) => gunzipAsync(bytes),
    };
  }
  // Loaded only when asked for: it instantiates a WebAssembly module.
  const { default: Zstd } = await import('numcodecs/zstd');
  const zstd = Zstd.fromConfig({ id: 'zstd', level: ZSTD_LEVEL });
  return {
    metadata: { name: 'zstd', configuration: { level: ZSTD_LEVEL, checksum: false } },
    encode: async (voxels) => zstd.encode(voxels),
    decode: async (bytes) => zstd.decode(bytes),
  };
}

interface Geometry {
  readonly levels: number;
  readonly compressor: ChunkCompressor;
  readonly shape: readonly number[];
  readonly chunk: readonly number[];
  /** Chunks per axis. */
  readonly grid: readonly number[];
  readonly chunkVoxels: number;
}

/**
 * Writes the label image to `dir` (which must not exist) from `chunks`, one chunk at a time.
 * Chunks may come in any order; each position at most once; all-background chunks are skipped.
 */
export async function writeOmeZarrLabels(
  dir: string,
  image: OmeZarrLabelImage,
  chunks: AsyncIterable<OmeZarrLabelChunk> | Iterable<OmeZarrLabelChunk>,
): Promise<WrittenOmeZarrLabels> {
  const geometry = await checkGeometry(image);
  const allowed = allowedValues(image.labels);
  if (await exists(dir)) throw new DelineateError('DLN_ZARR_TARGET_EXISTS', 'OME-Zarr export target already exists');

  const partial = join(dirname(dir), `.${basename(dir)}.partial-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(partial);
    await writeJson(join(partial, 'zarr.json'), groupMetadata(image, geometry.levels));
    const level0 = new LevelWriter(join(partial, '0'), geometry);
    await level0.begin();

    const seen = new Set<number>();
    const padded = new Uint8Array(geometry.chunkVoxels);
    for await (const chunk of chunks) {
      const position = chunkPosition(chunk, geometry);
      const key = position.reduce((k, p, i) => k * (geometry.grid[i] as number) + p, 0);
      if (seen.has(key)) throw new DelineateError('DLN_ZARR_CHUNK_INVALID', 'chunk position given twice', { position: position.join(',') });
      seen.add(key);
      const voxels = fullChunk(chunk.labels, position, geometry, padded);
      if (checkVoxels(voxels, allowed)) await level0.write(position, voxels);
    }
    let written = { chunksWritten: level0.chunksWritten, chunkBytes: level0.chunkBytes };
    let finer = level0;
    for (let level = 1; level < geometry.levels; level++) {
      finer = await writeHalvedLevel(finer, join(partial, String(level)));
      written = { chunksWritten: written.chunksWritten + finer.chunksWritten, chunkBytes: written.chunkBytes + finer.chunkBytes };
    }
    await rename(partial, dir).catch((err: unknown) => {
      // Made by someone else while this was being written: theirs stays.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new DelineateError('DLN_ZARR_TARGET_EXISTS', 'OME-Zarr export target already exists');
      throw err;
    });
    return written;
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Writes a whole in-memory label map (x fastest, as `LabelMap` holds it) by cutting it into the
 * mask's tiles. The grid's spacing is in millimetres; `unit` chooses what the axes say.
 */
export async function writeOmeZarrLabelMap(
  dir: string,
  map: LabelMap,
  options: Pick<OmeZarrLabelImage, 'labels' | 'name' | 'levels' | 'codec'> & { readonly unit?: OmeZarrSpaceUnit },
): Promise<WrittenOmeZarrLabels> {
  if (!(map.data instanceof Uint8Array)) throw new DelineateError('DLN_ZARR_GEOMETRY_INVALID', 'label map must hold 8-bit labels');
  const [nx, ny, nz] = map.grid.dims;
  const unit = options.unit ?? 'millimeter';
  // Grid spacing is float32-rounded millimetres; 7 significant digits give back the decimal meant.
  const toUnit = (mm: number): number => (unit === 'millimeter' ? mm : Number((mm * 1000).toPrecision(7)));
  const [sx, sy, sz] = map.grid.spacing.map(toUnit) as [number, number, number];
  const ndim = map.grid.ndim;
  const image: OmeZarrLabelImage = {
    shape: ndim === 2 ? [ny, nx] : [nz, ny, nx],
    spacing: ndim === 2 ? [sy, sx] : [sz, sy, sx],
    unit,
    labels: options.labels,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.levels === undefined ? {} : { levels: options.levels }),
    ...(options.codec === undefined ? {} : { codec: options.codec }),
  };
  return writeOmeZarrLabels(dir, image, labelMapChunks(map.data, nx, ny, nz, ndim));
}

/** Cuts an x-fastest volume into 1 × 512 × 512 chunks (clipped at the edges), one at a time. */
function* labelMapChunks(data: Uint8Array, nx: number, ny: number, nz: number, ndim: 2 | 3): Generator<OmeZarrLabelChunk> {
  for (let z = 0; z < nz; z++) {
    for (let y0 = 0; y0 < ny; y0 += MASK_TILE_SIZE) {
      for (let x0 = 0; x0 < nx; x0 += MASK_TILE_SIZE) {
        const h = Math.min(MASK_TILE_SIZE, ny - y0);
        const w = Math.min(MASK_TILE_SIZE, nx - x0);
        const labels = new Uint8Array(w * h);
        for (let r = 0; r < h; r++) {
          const from = x0 + nx * (y0 + r + ny * z);
          labels.set(data.subarray(from, from + w), r * w);
        }
        const y = y0 / MASK_TILE_SIZE;
        const x = x0 / MASK_TILE_SIZE;
        yield ndim === 2 ? { y, x, labels } : { z, y, x, labels };
      }
    }
  }
}

async function checkGeometry(image: OmeZarrLabelImage): Promise<Geometry> {
  const invalid = (reason: string): DelineateError => new DelineateError('DLN_ZARR_GEOMETRY_INVALID', reason);
  const { shape, spacing } = image;
  if (shape.length !== 2 && shape.length !== 3) throw invalid('a label image has 2 (y, x) or 3 (z, y, x) axes');
  const chunk = image.chunkShape ?? maskTileChunkShape(shape.length);
  if (chunk.length !== shape.length || spacing.length !== shape.length) throw invalid('shape, chunk shape and spacing must have one value per axis');
  for (const n of [...shape, ...chunk]) if (!Number.isSafeInteger(n) || n < 1) throw invalid('shape and chunk shape must be positive integers');
  for (const s of spacing) if (!(Number.isFinite(s) && s > 0)) throw invalid('spacing must be positive and finite');
  if (image.unit !== 'millimeter' && image.unit !== 'micrometer') throw invalid('unit must be millimeter or micrometer');
  const chunkVoxels = chunk.reduce((a, b) => a * b, 1);
  // One chunk is held (and padded) in memory; a tile is 256 KiB, so this bound is generous.
  if (chunkVoxels > 1 << 26) throw invalid('chunk shape is too large');
  const grid = shape.map((n, i) => Math.ceil(n / (chunk[i] as number)));
  if (grid.reduce((a, b) => a * b, 1) > Number.MAX_SAFE_INTEGER) throw invalid('too many chunks');
  const levels = image.levels ?? 1;
  if (!Number.isInteger(levels) || levels < 1 || levels > 32) throw invalid('levels must be an integer from 1 to 32');
  // Halving reads 2 × 2 chunks of the finer level into one; that needs even in-plane chunk sides.
  if (levels > 1 && chunk.slice(-2).some((c) => c % 2 !== 0)) throw invalid('a pyramid needs even in-plane chunk sides');
  const codec = image.codec ?? 'gzip';
  if (codec !== 'gzip' && codec !== 'zstd') throw invalid('codec must be gzip or zstd');
  return { levels, compressor: await chunkCompressor(codec), shape, chunk, grid, chunkVoxels };
}

/** A 256-entry table: 1 for the background and each label value of the schema. */
function allowedValues(labels: readonly OmeZarrLabel[]): Uint8Array {
  const allowed = new Uint8Array(256);
  allowed[0] = 1;
  for (const label of labels) {
    if (!Number.isInteger(label.value) || label.value < 1 || label.value > 255) {
      throw new DelineateError('DLN_ZARR_LABEL_UNDEFINED', 'label values must be 1..255', { key: label.key });
    }
    if (allowed[label.value]) throw new DelineateError('DLN_ZARR_LABEL_UNDEFINED', 'label value given twice', { value: label.value });
    allowed[label.value] = 1;
  }
  return allowed;
}

function chunkPosition(chunk: OmeZarrLabelChunk, g: Geometry): number[] {
  const position = g.shape.length === 3 ? [chunk.z, chunk.y, chunk.x] : [chunk.y, chunk.x];
  if (g.shape.length === 2 && chunk.z !== undefined) throw new DelineateError('DLN_ZARR_CHUNK_INVALID', 'a 2-D label image has no z chunk coordinate');
  position.forEach((p, i) => {
    if (p === undefined || !Number.isInteger(p) || p < 0 || p >= (g.grid[i] as number)) {
      throw new DelineateError('DLN_ZARR_CHUNK_INVALID', 'chunk position is outside the chunk grid', { axis: i });
    }
  });
  return position as number[];
}

/**
 * The chunk at its full shape, as zarr stores every chunk (edge chunks padded with the fill 0).
 * An edge chunk given at its clipped size is copied into `padded`, which is reused.
 */
function fullChunk(labels: Uint8Array, position: readonly number[], g: Geometry, padded: Uint8Array): Uint8Array {
  const extent = g.chunk.map((c, i) => Math.min(c, (g.shape[i] as number) - (position[i] as number) * c));
  const clippedVoxels = extent.reduce((a, b) => a * b, 1);
  if (labels.length === g.chunkVoxels) {
    // Voxels beyond the image in a full-size edge chunk are not part of the mask: clear them.
    if (clippedVoxels === g.chunkVoxels) return labels;
    copyClipped(labels, g.chunk, extent, g.chunk, padded);
    return padded;
  }
  if (labels.length !== clippedVoxels) {
    throw new DelineateError('DLN_ZARR_CHUNK_INVALID', 'chunk holds neither the chunk shape nor its part inside the image', {
      expected: clippedVoxels,
      actual: labels.length,
    });
  }
  copyClipped(labels, extent, extent, g.chunk, padded);
  return padded;
}

/**
 * Copies the `extent` corner of a chunk laid out as `from` (x fastest) into `padded`, a chunk
 * of shape `to`, zeroing the rest.
 */
function copyClipped(source: Uint8Array, from: readonly number[], extent: readonly number[], to: readonly number[], padded: Uint8Array): void {
  padded.fill(0);
  const as3 = (s: readonly number[]): number[] => (s.length === 3 ? [...s] : [1, ...s]);
  const [d = 1, h = 1, w = 1] = as3(extent);
  const [, fromH = 1, fromW = 1] = as3(from);
  const [, toH = 1, toW = 1] = as3(to);
  for (let z = 0; z < d; z++) {
    for (let y = 0; y < h; y++) {
      const src = (z * fromH + y) * fromW;
      padded.set(source.subarray(src, src + w), (z * toH + y) * toW);
    }
  }
}

/**
 * Checks every voxel is background or a schema label; true when any is a label (the chunk is
 * worth writing).
 */
function checkVoxels(voxels: Uint8Array, allowed: Uint8Array): boolean {
  let any = 0;
  for (let i = 0; i < voxels.length; i++) {
    const v = voxels[i] as number;
    if (allowed[v] === 0) throw new DelineateError('DLN_ZARR_LABEL_UNDEFINED', 'mask holds a value the label schema does not define', { value: v });
    any |= v;
  }
  return any !== 0;
}

function groupMetadata(image: OmeZarrLabelImage, levels: number): object {
  const axisNames = image.shape.length === 3 ? ['z', 'y', 'x'] : ['y', 'x'];
  const labels = [...image.labels].sort((a, b) => a.value - b.value);
  return {
    zarr_format: 3,
    node_type: 'group',
    attributes: {
      ome: {
        version: '0.5',
        multiscales: [
          {
            ...(image.name === undefined ? {} : { name: image.name }),
            axes: axisNames.map((name) => ({ name, type: 'space', unit: image.unit })),
            datasets: Array.from({ length: levels }, (_, level) => ({
              path: String(level),
              // Nearest sampling keeps voxel 2i's centre as voxel i's, so a scale alone places it.
              coordinateTransformations: [{ type: 'scale', scale: image.spacing.map((s, axis) => (axis >= image.spacing.length - 2 ? s * 2 ** level : s)) }],
            })),
          },
        ],
        'image-label': {
          colors: labels.map((l) => ({ 'label-value': l.value, rgba: rgbaOf(l.colour) })),
          properties: labels.map((l) => ({
            'label-value': l.value,
            key: l.key,
            name: l.name,
            concept: { scheme: l.concept.scheme, value: l.concept.value, meaning: l.concept.meaning },
          })),
        },
      },
    },
  };
}

function arrayMetadata(g: Geometry): object {
  return {
    zarr_format: 3,
    node_type: 'array',
    shape: [...g.shape],
    data_type: 'uint8',
    chunk_grid: { name: 'regular', configuration: { chunk_shape: [...g.chunk] } },
    chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
    fill_value: 0,
    codecs: [{ name: 'bytes' }, g.compressor.metadata],
    dimension_names: g.shape.length === 3 ? ['z', 'y', 'x'] : ['y', 'x'],
    attributes: {},
  };
}

/** `#rrggbb` → [r, g, b, 255]. */
function rgbaOf(colour: string): [number, number, number, number] {
  const m = /^#([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})$/.exec(colour);
  if (m === null) throw new DelineateError('DLN_ZARR_LABEL_UNDEFINED', 'label colour must be #rrggbb');
  return [parseInt(m[1] as string, 16), parseInt(m[2] as string, 16), parseInt(m[3] as string, 16), 255];
}

async function writeJson(path: string, value: object): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes one level's array: its metadata, then its non-empty chunks, remembering their positions. */
class LevelWriter {
  /** Positions of the chunks written, for the next coarser level. */
  readonly positions: number[][] = [];
  chunksWritten = 0;
  chunkBytes = 0;
  private readonly madeDirs = new Set<string>();

  constructor(
    readonly path: string,
    readonly geometry: Geometry,
  ) {}

  async begin(): Promise<void> {
    await mkdir(this.path);
    await writeJson(join(this.path, 'zarr.json'), arrayMetadata(this.geometry));
  }

  chunkFile(position: readonly number[]): string {
    return join(this.path, 'c', ...position.map(String));
  }

  async write(position: readonly number[], voxels: Uint8Array): Promise<void> {
    const encoded = await this.geometry.compressor.encode(voxels);
    const file = this.chunkFile(position);
    const folder = dirname(file);
    if (!this.madeDirs.has(folder)) {
      await mkdir(folder, { recursive: true });
      this.madeDirs.add(folder);
    }
    await writeFile(file, encoded);
    this.positions.push([...position]);
    this.chunksWritten++;
    this.chunkBytes += encoded.length;
  }
}

/**
 * The next level: y and x halved, each voxel the finer level's voxel at twice its y and x. It is
 * built from the finer level's chunk files, so at most five chunks are in memory at once.
 */
async function writeHalvedLevel(finer: LevelWriter, path: string): Promise<LevelWriter> {
  const g = finer.geometry;
  const n = g.shape.length;
  const shape = g.shape.map((s, axis) => (axis >= n - 2 ? Math.ceil(s / 2) : s));
  const grid = shape.map((s, axis) => Math.ceil(s / (g.chunk[axis] as number)));
  const coarser = new LevelWriter(path, { ...g, shape, grid });
  await coarser.begin();

  const targets = new Map<string, number[]>();
  for (const p of finer.positions) {
    const target = p.map((c, axis) => (axis >= n - 2 ? Math.floor(c / 2) : c));
    targets.set(target.join('/'), target);
  }
  const [h = 1, w = 1] = g.chunk.slice(-2);
  const planes = g.chunkVoxels / (h * w);
  const out = new Uint8Array(g.chunkVoxels);
  const finerWritten = new Set(finer.positions.map((p) => p.join('/')));
  for (const target of [...targets.values()].sort(comparePositions)) {
    out.fill(0);
    let any = 0;
    for (let dy = 0; dy < 2; dy++) {
      for (let dx = 0; dx < 2; dx++) {
        const source = target.map((c, axis) => (axis === n - 2 ? 2 * c + dy : axis === n - 1 ? 2 * c + dx : c));
        if (!finerWritten.has(source.join('/'))) continue;
        const voxels = await g.compressor.decode(await readFile(finer.chunkFile(source)));
        // The quarter of `out` this source chunk covers, sampled at every second voxel.
        for (let plane = 0; plane < planes; plane++) {
          for (let oy = 0; oy < h / 2; oy++) {
            const from = plane * h * w + 2 * oy * w;
            const to = plane * h * w + (dy * (h / 2) + oy) * w + dx * (w / 2);
            for (let ox = 0; ox < w / 2; ox++) {
              const v = voxels[from + 2 * ox] as number;
              out[to + ox] = v;
              any |= v;
            }
          }
        }
      }
    }
    if (any !== 0) await coarser.write(target, out);
  }
  return coarser;
}

function comparePositions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}
