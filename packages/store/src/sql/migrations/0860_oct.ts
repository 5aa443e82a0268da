import { modalities } from '@delineate/schema';
import { runStatements, sqlList, type Migration } from '../migration';

/**
 * OCT (issue 20): the sampling of an OCT series in µm and its eye, and per annotation an
 * append-only chain of boundary-height revisions (one blob each, `@delineate/core`'s boundary
 * codec) with the measures derived on save. Fluid, PED and drusen stay masks on the tiled path.
 */
export const oct: Migration = {
  id: '0860_oct',
  async up(db) {
    await runStatements(db, [
      // Ophthalmic tomography (OPT) and photography (OP) join the modality vocabulary: the checks
      // made from it in 0001 and 0600 are made again from the current list (0001 reads the list at run
      // time, so an existing database needs this to take the new values).
      'alter table series drop constraint if exists series_modality_check',
      `alter table series add constraint series_modality_check check (modality in (${sqlList(modalities)}))`,
      'alter table projects drop constraint if exists projects_modality_check',
      `alter table projects add constraint projects_modality_check check (modality in (${sqlList(modalities)}))`,
      'alter table qualifications drop constraint if exists qualifications_modality_check',
      `alter table qualifications add constraint qualifications_modality_check check (modality in (${sqlList(modalities)}))`,
      'alter table projects drop constraint if exists projects_accepted_modalities_known',
      `alter table projects add constraint projects_accepted_modalities_known
         check (accepted_modalities is null or accepted_modalities <@ '[${modalities.map((m) => `"${m}"`).join(', ')}]'::jsonb)`,
      `create table oct_volumes (
        series_id uuid primary key references series(id),
        bscans integer not null check (bscans >= 1),
        ascans integer not null check (ascans >= 1),
        rows integer not null check (rows >= 1),
        ascan_spacing_um double precision not null check (ascan_spacing_um > 0),
        bscan_spacing_um double precision not null check (bscan_spacing_um > 0),
        axial_um_per_pixel double precision not null check (axial_um_per_pixel > 0),
        laterality text not null check (laterality in ('OD', 'OS')),
        source text not null check (source in ('dicom', 'heyex_vol', 'heyex_xml')),
        fovea_bscan integer check (fovea_bscan >= 0),
        fovea_ascan integer check (fovea_ascan >= 0),
        created_at timestamptz not null default now(),
        check ((fovea_bscan is null) = (fovea_ascan is null))
      )`,
      `create table oct_boundary_revisions (
        annotation_id uuid not null references annotations(id),
        version integer not null check (version >= 1),
        parent_version integer check (parent_version >= 1 and parent_version < version),
        author_user_id uuid references users(id),
        source text not null check (source in ('human', 'correction', 'import')),
        blob_hash text not null,
        measures jsonb not null check (jsonb_typeof(measures) = 'object'),
        idempotency_key text,
        created_at timestamptz not null,
        primary key (annotation_id, version),
        unique (annotation_id, idempotency_key)
      )`,
    ]);
  },
};
