import type { Kysely } from 'kysely';
import { cutRle8, decodeRle8, encodeRle8, joinTilesRle8, maskOfRuns, runsOfMask, tileGridOf, tilesAcross, type Tile, type TileGrid } from '@delineate/core';
import { DelineateError, FrameFlag, TrackFrameState, type TrackFrame, type TrackSaveRequest, type VideoTrack } from '@delineate/schema';
import { TiledMasks, type MaskBlobs } from '../masks/tiled-masks';
import type { DB } from '../sql/tables';
import { videoDb } from './tables';
import { videoForItem } from './videos';

interface FrameGrid {
  readonly width: number;
  readonly height: number;
  readonly frameCount: number;
}

/** A track's masks live on the tiled mask path: a frame is a slice of a width × height × frames grid. */
function gridOf(video: FrameGrid): TileGrid {
  return tileGridOf(video.width, video.height, video.frameCount);
}

function frameTiles(video: FrameGrid, frame: number, mask: Uint8Array): Tile[] {
  const cut = cutRle8(tileGridOf(video.width, video.height, 1), encodeRle8(mask));
  if (!cut.ok) throw new DelineateError('DLN_VIDEO_TRACK_INVALID', 'A frame mask could not be tiled');
  return cut.tiles.map((t) => ({ position: { ...t.position, slice: frame }, runs: t.runs }));
}

function checkFrames(video: FrameGrid, frames: readonly TrackFrame[]): Map<number, Uint8Array> {
  const masks = new Map<number, Uint8Array>();
  const seen = new Set<number>();
  for (const f of frames) {
    if (f.frame >= video.frameCount) throw new DelineateError('DLN_VIDEO_FRAME_OUT_OF_RANGE', `Frame ${f.frame} is past the video's last frame (${video.frameCount - 1})`);
    if (seen.has(f.frame)) throw new DelineateError('DLN_VIDEO_TRACK_INVALID', `Frame ${f.frame} is given twice`);
    seen.add(f.frame);
    if (f.status.state === 'outside') {
      if (f.runs) throw new DelineateError('DLN_VIDEO_TRACK_INVALID', `Frame ${f.frame} is marked not in view but has a mask`);
      continue;
    }
    if (!f.runs) throw new DelineateError('DLN_VIDEO_TRACK_INVALID', `Frame ${f.frame} has no mask`);
    const decoded = maskOfRuns(f.runs, video.width * video.height);
    if (!decoded.ok) throw new DelineateError('DLN_VIDEO_TRACK_INVALID', `The mask of frame ${f.frame} does not fit the frame: ${decoded.reason}`);
    masks.set(f.frame, decoded.mask);
  }
  return masks;
}

/**
 * Tracks of a video item: each save is a new version (append-only) with its per-frame states and
 * its mask index; the head moves by compare-and-set on the version. Per-frame quality flags
 * belong to the item's frames, not to a track.
 */
export class VideoTrackStore {
  readonly #db: Kysely<DB>;
  readonly #masks: TiledMasks;
  readonly #clock: () => Date;

  /** Reading needs only `get`; saving needs a store that can `put`. */
  constructor(db: Kysely<DB>, blobs: MaskBlobs, clock: () => Date = () => new Date()) {
    this.#db = db;
    this.#masks = new TiledMasks(blobs);
    this.#clock = clock;
  }

  async save(itemId: string, trackId: string | undefined, request: TrackSaveRequest, authorId: string | null): Promise<VideoTrack> {
    const video = await videoForItem(this.#db, itemId);
    const masks = checkFrames(video, request.frames);
    const tiles = [...masks].flatMap(([frame, mask]) => frameTiles(video, frame, mask));
    const prepared = await this.#masks.prepare(gridOf(video), undefined, tiles, true);
    // Blobs first: a version never points at a mask that is not stored.
    await this.#masks.writePack(prepared);
    await this.#masks.blobs.put!(prepared.indexBytes, { expectedHash: prepared.indexHash });
    const now = this.#clock();
    const states = request.frames.map((f) => ({ frame: f.frame, status: f.status })).sort((a, b) => a.frame - b.frame);
    const id = await videoDb(this.#db)
      .transaction()
      .execute(async (tx) => {
        let id = trackId;
        let version = 1;
        if (id === undefined) {
          if (request.parentVersion !== 0) throw new DelineateError('DLN_REVISION_STALE', 'A new track starts from version 0');
          id = (await tx.insertInto('video_tracks').values({ item_id: itemId, label_value: request.labelValue, name: request.name, version: 1, created_by: authorId, created_at: now }).returning('id').executeTakeFirstOrThrow()).id;
        } else {
          version = request.parentVersion + 1;
          const moved = await tx
            .updateTable('video_tracks')
            .set({ version, label_value: request.labelValue, name: request.name })
            .where('id', '=', id)
            .where('item_id', '=', itemId)
            .where('version', '=', request.parentVersion)
            .executeTakeFirst();
          if (Number(moved.numUpdatedRows) !== 1) {
            const exists = await tx.selectFrom('video_tracks').select('id').where('id', '=', id).where('item_id', '=', itemId).executeTakeFirst();
            throw exists ? new DelineateError('DLN_REVISION_STALE', 'The track was saved by someone else since it was opened') : new DelineateError('DLN_NOT_FOUND', 'Track not found');
          }
        }
        await tx
          .insertInto('video_track_versions')
          .values({ track_id: id, version, author_id: authorId, label_value: request.labelValue, name: request.name, states: JSON.stringify(states), mask_index_hash: prepared.indexHash, created_at: now })
          .execute();
        return id;
      });
    return (await this.list(itemId)).find((t) => t.id === id)!;
  }

  /** The head version of every track of an item, with its masks as frame runs. */
  async list(itemId: string): Promise<VideoTrack[]> {
    const rows = await videoDb(this.#db)
      .selectFrom('video_tracks as t')
      .innerJoin('video_track_versions as v', (j) => j.onRef('v.track_id', '=', 't.id').onRef('v.version', '=', 't.version'))
      .select(['t.id', 't.version', 'v.label_value', 'v.name', 'v.author_id', 'v.created_at', 'v.states', 'v.mask_index_hash'])
      .where('t.item_id', '=', itemId)
      .orderBy('t.created_at')
      .orderBy('t.id')
      .execute();
    return this.#tracksOf(itemId, rows);
  }

  /** Tracks of an item at the versions named (a release's), in the order named; a version not stored is refused. */
  async atVersions(itemId: string, refs: readonly { trackId: string; version: number }[]): Promise<VideoTrack[]> {
    if (refs.length === 0) return [];
    const rows = await videoDb(this.#db)
      .selectFrom('video_tracks as t')
      .innerJoin('video_track_versions as v', 'v.track_id', 't.id')
      .select(['t.id', 'v.version', 'v.label_value', 'v.name', 'v.author_id', 'v.created_at', 'v.states', 'v.mask_index_hash'])
      .where('t.item_id', '=', itemId)
      .where('t.id', 'in', refs.map((r) => r.trackId))
      .execute();
    const ordered = refs.map((r) => {
      const row = rows.find((x) => x.id === r.trackId && x.version === r.version);
      if (!row) throw new DelineateError('DLN_NOT_FOUND', 'A released track version is missing');
      return row;
    });
    return this.#tracksOf(itemId, ordered);
  }

  async #tracksOf(
    itemId: string,
    rows: readonly { id: string; version: number; label_value: number; name: string; author_id: string | null; created_at: Date | string; states: unknown[]; mask_index_hash: string | null }[],
  ): Promise<VideoTrack[]> {
    const video = await videoForItem(this.#db, itemId);
    const tracks: VideoTrack[] = [];
    for (const row of rows) {
      const masks = row.mask_index_hash ? await this.masksOf(video, row.mask_index_hash) : new Map<number, Uint8Array>();
      const states = (row.states as { frame: number; status: unknown }[]).map((s) => ({ frame: s.frame, status: TrackFrameState.parse(s.status) }));
      tracks.push({
        id: row.id,
        itemId,
        labelValue: row.label_value,
        name: row.name,
        version: row.version,
        authorId: row.author_id,
        updatedAt: new Date(row.created_at).toISOString(),
        frames: states.map((s) => (s.status.state === 'outside' ? s : { ...s, runs: runsOfMask(masks.get(s.frame) ?? new Uint8Array(video.width * video.height)) })),
      });
    }
    return tracks;
  }

  /** A stored mask index read back into one mask per frame that has tiles. */
  async masksOf(video: FrameGrid, indexHash: string): Promise<Map<number, Uint8Array>> {
    const index = await this.#masks.index(indexHash, () => this.#masks.blobs.get(indexHash));
    const tiles = await this.#masks.readTiles(index);
    const byFrame = new Map<number, Map<number, Uint8Array>>();
    const across = tilesAcross(index.grid);
    for (const t of tiles) {
      const frame = byFrame.get(t.position.slice) ?? new Map<number, Uint8Array>();
      frame.set(t.position.tileRow * across + t.position.tileColumn, t.runs);
      byFrame.set(t.position.slice, frame);
    }
    const single = tileGridOf(video.width, video.height, 1);
    const masks = new Map<number, Uint8Array>();
    for (const [frame, runs] of byFrame) {
      const decoded = decodeRle8(joinTilesRle8(single, (ordinal) => runs.get(ordinal)), video.width * video.height);
      if (!decoded.ok) throw new DelineateError('DLN_REVISION_MASK_INVALID', 'A stored track mask does not decode');
      masks.set(frame, decoded.voxels);
    }
    return masks;
  }

  async setFlags(itemId: string, frame: number, flags: readonly FrameFlag[], userId: string | null): Promise<void> {
    const video = await videoForItem(this.#db, itemId);
    if (frame >= video.frameCount) throw new DelineateError('DLN_VIDEO_FRAME_OUT_OF_RANGE', `Frame ${frame} is past the video's last frame (${video.frameCount - 1})`);
    const now = this.#clock();
    await videoDb(this.#db)
      .transaction()
      .execute(async (tx) => {
        await tx.deleteFrom('video_frame_flags').where('item_id', '=', itemId).where('frame_index', '=', frame).execute();
        if (flags.length > 0) await tx.insertInto('video_frame_flags').values([...new Set(flags)].map((flag) => ({ item_id: itemId, frame_index: frame, flag, set_by: userId, set_at: now }))).execute();
      });
  }

  async flags(itemId: string): Promise<{ frame: number; flags: FrameFlag[] }[]> {
    const rows = await videoDb(this.#db).selectFrom('video_frame_flags').select(['frame_index', 'flag']).where('item_id', '=', itemId).orderBy('frame_index').orderBy('flag').execute();
    const byFrame = new Map<number, FrameFlag[]>();
    for (const r of rows) byFrame.set(r.frame_index, [...(byFrame.get(r.frame_index) ?? []), FrameFlag.parse(r.flag)]);
    return [...byFrame].map(([frame, flags]) => ({ frame, flags }));
  }
}
