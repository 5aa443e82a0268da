import type { Kysely } from 'kysely';
import { DelineateError } from '@delineate/schema';
import { octDb } from '../oct/tables';
import type { DB } from '../sql/tables';
import { fundusDb } from './tables';

/** A photograph's fovea in pixels (x right, y down, pixel centres at .5), or an OCT volume's as the B-scan and A-scan under it. */
export type FoveaPoint = { readonly x: number; readonly y: number } | { readonly bscan: number; readonly ascan: number };

export interface ItemFovea {
  readonly itemId: string;
  readonly kind: 'photo' | 'oct';
  readonly fovea: FoveaPoint | null;
  /** Bumped by every change; the If-Match of the next one. */
  readonly version: number;
}

const stale = (current: number) => new DelineateError('DLN_FOVEA_STALE', 'Someone changed the fovea first; reload it', { currentVersion: current });
const outside = () => new DelineateError('DLN_FOVEA_OUTSIDE_IMAGE', 'The fovea point lies outside the image');

/**
 * The fovea of a fundus photograph or of an OCT volume (on its en-face localizer, as the B-scan
 * and A-scan it falls on), set on its own with compare-and-set on a version: the OCT's ETDRS
 * grids of later saves are centred on it.
 */
export class FoveaRepository {
  readonly #db: Kysely<DB>;

  constructor(db: Kysely<DB>) {
    this.#db = db;
  }

  async get(itemId: string): Promise<ItemFovea> {
    const photo = await fundusDb(this.#db).selectFrom('fundus_photos').select(['fovea', 'fovea_version', 'width', 'height']).where('item_id', '=', itemId).executeTakeFirst();
    if (photo) return { itemId, kind: 'photo', fovea: photo.fovea ? { x: photo.fovea[0], y: photo.fovea[1] } : null, version: photo.fovea_version };
    const volume = await this.#volume(itemId);
    if (volume) return { itemId, kind: 'oct', fovea: volume.fovea_bscan === null || volume.fovea_ascan === null ? null : { bscan: volume.fovea_bscan, ascan: volume.fovea_ascan }, version: volume.fovea_version };
    throw new DelineateError('DLN_FOVEA_NOT_SUPPORTED', 'Only fundus photographs and OCT volumes have a fovea point');
  }

  /** Sets (or clears, with null) the fovea if its version is still `expectedVersion`; nothing is written otherwise. */
  async set(itemId: string, fovea: FoveaPoint | null, expectedVersion: number): Promise<ItemFovea> {
    const current = await this.get(itemId);
    if (current.version !== expectedVersion) throw stale(current.version);
    const version = expectedVersion + 1;
    if (current.kind === 'photo') {
      if (fovea && !('x' in fovea)) throw new DelineateError('DLN_REQUEST_INVALID', 'A photograph’s fovea is a point x, y in pixels');
      const size = await fundusDb(this.#db).selectFrom('fundus_photos').select(['width', 'height']).where('item_id', '=', itemId).executeTakeFirstOrThrow();
      if (fovea && !(fovea.x >= 0 && fovea.x <= size.width && fovea.y >= 0 && fovea.y <= size.height)) throw outside();
      const updated = await fundusDb(this.#db)
        .updateTable('fundus_photos')
        .set({ fovea: fovea ? JSON.stringify([fovea.x, fovea.y]) : null, fovea_version: version })
        .where('item_id', '=', itemId)
        .where('fovea_version', '=', expectedVersion)
        .executeTakeFirst();
      if (updated.numUpdatedRows === 0n) throw stale((await this.get(itemId)).version);
      return { itemId, kind: 'photo', fovea, version };
    }
    if (fovea && !('bscan' in fovea)) throw new DelineateError('DLN_REQUEST_INVALID', 'An OCT volume’s fovea is a B-scan and an A-scan');
    const volume = (await this.#volume(itemId))!;
    if (fovea && !(Number.isInteger(fovea.bscan) && Number.isInteger(fovea.ascan) && fovea.bscan >= 0 && fovea.ascan >= 0 && fovea.bscan < volume.bscans && fovea.ascan < volume.ascans)) throw outside();
    const updated = await octDb(this.#db)
      .updateTable('oct_volumes')
      .set({ fovea_bscan: fovea?.bscan ?? null, fovea_ascan: fovea?.ascan ?? null, fovea_version: version })
      .where('series_id', '=', volume.series_id)
      .where('fovea_version', '=', expectedVersion)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) throw stale((await this.get(itemId)).version);
    return { itemId, kind: 'oct', fovea, version };
  }

  async #volume(itemId: string) {
    return octDb(this.#db)
      .selectFrom('items')
      .innerJoin('oct_volumes', 'oct_volumes.series_id', 'items.series_id')
      .select(['oct_volumes.series_id', 'oct_volumes.fovea_bscan', 'oct_volumes.fovea_ascan', 'oct_volumes.fovea_version', 'oct_volumes.bscans', 'oct_volumes.ascans'])
      .where('items.id', '=', itemId)
      .executeTakeFirst();
  }
}
