import type { SlideSegSource } from '@delineate/formats';
import type { Kysely } from 'kysely';
import type { DB, Json } from '../sql/tables';

type SlideDicomSourcesTable = { slide_id: string; source: Json<SlideSegSource> };
type SlideSourcesDb = Kysely<DB & { slide_dicom_sources: SlideDicomSourcesTable }>;

const sourcesDb = (db: Kysely<DB>) => db.withTables<{ slide_dicom_sources: SlideDicomSourcesTable }>() as unknown as SlideSourcesDb;

/** Keeps a DICOM slide's de-identified SEG source facts (migration 0960), in the slide's own transaction. */
export async function recordSlideDicomSource(db: Kysely<DB>, slideId: string, source: SlideSegSource): Promise<void> {
  await sourcesDb(db).insertInto('slide_dicom_sources').values({ slide_id: slideId, source: JSON.stringify(source) }).execute();
}

/** The DICOM SEG source facts of a slide, or null when it did not come as a DICOM whole-slide image. */
export async function slideDicomSource(db: Kysely<DB>, slideId: string): Promise<SlideSegSource | null> {
  const row = await sourcesDb(db).selectFrom('slide_dicom_sources').select('source').where('slide_id', '=', slideId).executeTakeFirst();
  return row ? (row.source as SlideSegSource) : null;
}
