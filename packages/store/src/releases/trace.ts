import { decodeRle8, tileExtent, tileVoxels, walkRle8Runs } from '@delineate/core';
import { elementString, tag, walkDicom } from '@delineate/formats';
import {
  DelineateError,
  isManifestV2,
  type ManifestItem,
  type ManifestReading,
  type ManifestRevision,
  type ReleaseTrace,
  type TraceLabel,
  type TraceRevision,
} from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../blob/types';
import { AnnotationRepository } from '../repositories/annotations';
import { ReleaseRepository } from '../repositories/releases';
import type { DB } from '../sql/tables';
import { userNames } from './documents/records';

type Voxel = readonly [number, number, number];

/** Parses `x,y,z` (what the CLI and the route take); anything else is refused with the grid's code. */
export function parseVoxel(text: string): Voxel {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 3 || parts.some((p) => !/^\d+$/.test(p))) throw new DelineateError('DLN_TRACE_VOXEL_OUT_OF_GRID', 'A voxel is given as x,y,z: three whole numbers from 0');
  return parts.map(Number) as unknown as Voxel;
}

/** The value at one voxel of an `rle` stream, walking its runs (the volume is never allocated). */
function valueInRle(encoded: Uint8Array, voxels: number, index: number): number {
  let found = 0;
  const failure = walkRle8Runs(encoded, voxels, (value, start, length) => {
    if (index >= start && index < start + length) found = value;
  });
  if (failure) throw new DelineateError('DLN_REVISION_MASK_INVALID', `A released mask does not decode on its item's grid (${failure.reason})`);
  return found;
}

/**
 * Who drew one voxel of a frozen release: the released label there; per reader the label in
 * their released revision, the revision that last changed the voxel (walking parent by parent,
 * reading only the voxel's tile of each revision), its author, chain and reviews; for consensus
 * items each reader's STAPLE sensitivity and specificity; the schema and protocol versions and
 * the source instance's DeidRecord.
 */
export async function traceVoxel(db: Kysely<DB>, blobs: BlobStore, releaseId: string, itemId: string, voxel: Voxel): Promise<ReleaseTrace> {
  const release = await new ReleaseRepository(db).get(releaseId);
  if (release.status !== 'frozen' || !isManifestV2(release.manifest)) throw new DelineateError('DLN_RELEASE_NOT_FROZEN', 'Only a frozen release can be traced');
  const manifest = release.manifest;
  const item = manifest.items.find((i) => i.itemId === itemId);
  if (!item) throw new DelineateError('DLN_TRACE_ITEM_NOT_RELEASED', 'The item is not in this release');
  const [X, Y, Z] = item.geometry.dims;
  const [x, y, z] = voxel;
  if (![x < X, y < Y, z < Z].every(Boolean) || [x, y, z].some((v) => !Number.isInteger(v) || v < 0)) {
    throw new DelineateError('DLN_TRACE_VOXEL_OUT_OF_GRID', 'The voxel is outside the item’s grid', { columns: X, rows: Y, slices: Z });
  }
  const labelOf = (value: number): TraceLabel => {
    const l = manifest.labels.find((m) => m.value === value);
    return { value, key: l?.key ?? null, name: l?.name ?? (value === 0 ? 'Background' : `Value ${value}`) };
  };
  const released = valueInRle(await blobs.get(item.maskHash), X * Y * Z, x + X * (y + Y * z));
  const annotations = new AnnotationRepository(db, { blobs });
  const people = [...item.readings.flatMap((r) => [...r.revisions.flatMap((v) => (v.author.kind === 'user' ? [v.author.userId] : [])), ...r.reviews.map((v) => v.reviewerId)])];
  const names = await userNames(db, people);
  const readings = [];
  for (const [index, reading] of item.readings.entries()) {
    const at = (version: number) => valueInTile(annotations, reading.annotationId, version, voxel);
    readings.push(await traceReading(reading, at, names, labelOf, (own) => staple(item, index, released, own)));
  }
  return {
    releaseId: release.id,
    manifestHash: release.manifestHash!,
    itemId,
    voxel: [x, y, z],
    label: labelOf(released),
    labelSchema: manifest.labelSchema,
    reviewProtocol: manifest.reviewProtocol,
    consensusMethod: item.consensus?.method ?? null,
    source: await instanceAtSlice(db, blobs, item, z),
    readings,
  };
}

async function traceReading(
  reading: ManifestReading,
  at: (version: number) => Promise<number>,
  names: ReadonlyMap<string, string>,
  labelOf: (value: number) => TraceLabel,
  stapleFor: (readerValue: number) => ReleaseTrace['readings'][number]['staple'],
): Promise<ReleaseTrace['readings'][number]> {
  const byVersion = new Map(reading.revisions.map((r) => [r.version, r]));
  const chain: ManifestRevision[] = [];
  for (let v: number | null = reading.released; v !== null; v = byVersion.get(v)?.parentVersion ?? null) {
    const r = byVersion.get(v);
    if (!r) break;
    chain.push(r);
  }
  const value = await at(reading.released);
  // The voxel was set by the earliest revision of the unbroken run (from the released one back) holding this value.
  let setBy = chain[0]!;
  for (const parent of chain.slice(1)) {
    if ((await at(parent.version)) !== value) break;
    setBy = parent;
  }
  const named = (r: ManifestRevision): TraceRevision => ({
    version: r.version,
    parentVersion: r.parentVersion,
    source: r.source,
    author: r.author.kind === 'user' ? { kind: 'user', userId: r.author.userId, name: names.get(r.author.userId) ?? null } : r.author,
    createdAt: r.createdAt,
  });
  return {
    annotationId: reading.annotationId,
    releasedVersion: reading.released,
    label: labelOf(value),
    setBy: named(setBy),
    chain: chain.map(named),
    reviews: reading.reviews.map((r) => ({ ...r, reviewerName: names.get(r.reviewerId) ?? null })),
    staple: stapleFor(value),
  };
}

/** One voxel of a revision, from the single tile that holds it. */
async function valueInTile(annotations: AnnotationRepository, annotationId: string, version: number, [x, y, z]: Voxel): Promise<number> {
  const probe = await annotations.tileGrid(annotationId);
  const position = { slice: z, tileRow: Math.floor(y / probe.tileSize), tileColumn: Math.floor(x / probe.tileSize) };
  const { grid, tiles } = await annotations.readTiles(annotationId, version, [position]);
  const tile = tiles[0];
  if (!tile) return 0; // an empty tile is not stored
  const decoded = decodeRle8(tile.runs, tileVoxels(grid, position));
  if (!decoded.ok) throw new DelineateError('DLN_REVISION_MASK_INVALID', `A stored tile does not decode (${decoded.reason})`);
  const { width } = tileExtent(grid, position);
  return decoded.voxels[x - position.tileColumn * grid.tileSize + width * (y - position.tileRow * grid.tileSize)] ?? 0;
}

/** A consensus reader's STAPLE figures for the released label at the voxel, else for the reader's own label there. */
function staple(item: ManifestItem, reader: number, released: number, own: number): ReleaseTrace['readings'][number]['staple'] {
  const labels = item.consensus?.labels ?? [];
  const label = labels.find((l) => l.labelValue === released) ?? labels.find((l) => l.labelValue === own);
  if (!label) return null;
  return { labelKey: label.labelKey, sensitivity: label.sensitivity[reader] ?? NaN, specificity: label.specificity[reader] ?? NaN };
}

/** The source instance at slice z: placed by its position along the slice normal (not by instance number). */
async function instanceAtSlice(db: Kysely<DB>, blobs: BlobStore, item: ManifestItem, z: number): Promise<ReleaseTrace['source']> {
  const uids = item.instances.map((i) => i.sopInstanceUid);
  const rows = await db.selectFrom('instances').select(['sop_instance_uid', 'blob_hash']).where('sop_instance_uid', 'in', uids).execute();
  const { origin, spacing, direction: d } = item.geometry;
  // Instances are usually listed in slice order: look at the z-th first, then outwards, so a trace reads one or two blobs.
  const order = new Map(uids.map((uid, i) => [uid, Math.abs(i - z)]));
  rows.sort((a, b) => order.get(a.sop_instance_uid)! - order.get(b.sop_instance_uid)!);
  for (const row of rows) {
    const ipp = (elementString(walkDicom(await blobs.get(row.blob_hash)), tag(0x0020, 0x0032)) ?? '').split('\\').map(Number);
    const along = [0, 1, 2].reduce((s, a) => s + ((ipp[a] ?? NaN) - origin[a]!) * d[6 + a]!, 0);
    if (Math.round(along / spacing[2]) === z) return item.instances.find((i) => i.sopInstanceUid === row.sop_instance_uid)!;
  }
  throw new DelineateError('DLN_RELEASE_EXPORT_SOURCE', 'No source instance of the item is at this slice');
}
