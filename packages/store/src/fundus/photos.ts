import type { Kysely } from 'kysely';
import { DelineateError, Laterality } from '@delineate/schema';
import type { DB } from '../sql/tables';
import { fundusDb } from './tables';

/** What the store keeps of a photograph item beside its series: the eye and the pixel size. */
export interface FundusPhoto {
  readonly itemId: string;
  readonly laterality: Laterality | null;
  /** Column and row spacing, mm per pixel; null when the photograph records none (ratios only). */
  readonly pixelSpacingMm: readonly [number, number] | null;
  readonly width: number;
  readonly height: number;
}

export class FundusPhotoRepository {
  readonly #db: Kysely<DB>;

  constructor(db: Kysely<DB>) {
    this.#db = db;
  }

  async record(photo: FundusPhoto): Promise<void> {
    await fundusDb(this.#db)
      .insertInto('fundus_photos')
      .values({
        item_id: photo.itemId,
        laterality: photo.laterality,
        pixel_spacing: photo.pixelSpacingMm ? JSON.stringify(photo.pixelSpacingMm) : null,
        width: photo.width,
        height: photo.height,
      })
      .execute();
  }

  /** The photo record of an item, or undefined when the item is not a photograph. */
  async find(itemId: string): Promise<FundusPhoto | undefined> {
    const row = await fundusDb(this.#db).selectFrom('fundus_photos').selectAll().where('item_id', '=', itemId).executeTakeFirst();
    if (!row) return undefined;
    const laterality = Laterality.safeParse(row.laterality);
    return {
      itemId: row.item_id,
      laterality: laterality.success ? laterality.data : null,
      pixelSpacingMm: row.pixel_spacing ? [row.pixel_spacing[0], row.pixel_spacing[1]] : null,
      width: row.width,
      height: row.height,
    };
  }

  async get(itemId: string): Promise<FundusPhoto> {
    const photo = await this.find(itemId);
    if (!photo) throw new DelineateError('DLN_FUNDUS_NOT_A_PHOTO', 'This item is not a fundus photograph');
    return photo;
  }
}
