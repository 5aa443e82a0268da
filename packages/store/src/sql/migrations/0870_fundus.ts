import { sql, type Kysely } from 'kysely';
import { itemKinds, lateralities, modalities } from '@delineate/schema';
import { runStatements, sqlList, type Migration } from '../migration';

/** Constraint names of one table whose definition matches `pattern`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function constraintsOf(db: Kysely<any>, table: string, pattern: RegExp): Promise<Array<{ name: string; def: string }>> {
  const rows = await sql<{ name: string; def: string }>`
    select c.conname as name, pg_get_constraintdef(c.oid) as def from pg_constraint c
      join pg_class t on t.oid = c.conrelid where c.contype = 'c' and t.relname = ${table}`.execute(db);
  return rows.rows.filter((r) => pattern.test(r.def));
}

/**
 * Rewrites a closed-vocabulary CHECK from the schema's current list. Written from the list, not
 * patched with one value, so that another branch's migration adding its own value (an OCT
 * modality or item kind) and this one give the same constraint in either order.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function vocabularyCheck(db: Kysely<any>, table: string, column: string, values: readonly string[]): Promise<void> {
  for (const { name } of await constraintsOf(db, table, new RegExp(`^CHECK \\(\\(${column} = ANY`))) {
    await sql.raw(`alter table ${table} drop constraint ${name}`).execute(db);
    await sql.raw(`alter table ${table} add constraint ${name} check (${column} in (${sqlList(values)}))`).execute(db);
  }
}

/**
 * Fundus photographs (issue 20). A `photo` item is one image of a series (an Ophthalmic
 * Photography instance, or a Secondary Capture fundus), annotated in 2D; `OP` joins the
 * modalities. The items' per-kind CHECK gains the photo clause by OR-ing it onto the current
 * definition (never by restating the others). Per photo: the eye's laterality (null until
 * stated) and its pixel spacing when known. Per saved fundus revision: the disc and cup
 * contours and fovea it was rasterised from, and the measures computed from its mask.
 */
export const fundus: Migration = {
  id: '0870_fundus',
  async up(db) {
    await vocabularyCheck(db, 'items', 'kind', itemKinds);
    for (const table of ['projects', 'series', 'qualifications']) await vocabularyCheck(db, table, 'modality', modalities);
    for (const { name } of await constraintsOf(db, 'projects', /accepted_modalities <@/)) {
      await sql.raw(`alter table projects drop constraint ${name}`).execute(db);
      await sql
        .raw(`alter table projects add constraint ${name} check (accepted_modalities is null or accepted_modalities <@ '[${modalities.map((m) => `"${m}"`).join(', ')}]'::jsonb)`)
        .execute(db);
    }
    for (const { name, def } of await constraintsOf(db, 'items', /kind = 'series_volume'::text\) AND/)) {
      if (def.includes("'photo'")) continue;
      const body = def.replace(/^CHECK /, '');
      await sql.raw(`alter table items drop constraint ${name}`).execute(db);
      await sql
        .raw(`alter table items add constraint ${name} check (${body} or (kind = 'photo' and series_id is not null and slide_id is null and video_id is null))`)
        .execute(db);
    }
    await runStatements(db, [
      `create table fundus_photos (
        item_id uuid primary key references items(id),
        laterality text check (laterality in (${sqlList(lateralities)})),
        pixel_spacing jsonb check (pixel_spacing is null or (jsonb_typeof(pixel_spacing) = 'array' and jsonb_array_length(pixel_spacing) = 2)),
        width integer not null check (width > 0),
        height integer not null check (height > 0),
        created_at timestamptz not null default now()
      )`,
      `create table fundus_revisions (
        annotation_id uuid not null references annotations(id),
        version integer not null check (version > 0),
        disc jsonb,
        cup jsonb,
        fovea jsonb,
        measures jsonb not null,
        created_at timestamptz not null default now(),
        primary key (annotation_id, version)
      )`,
    ]);
  },
};
