import type { Migration } from '../migration';
import { foundation } from './0001_foundation';
import { frozenReleases } from './0005_frozen_releases';
import { seriesGeometry } from './0020_series_geometry';
import { deidGate } from './0030_deid_gate';
import { subjectIdentities } from './0040_subject_identities';
import { access } from './0100_access';
import { audit } from './0110_audit';
import { loginThrottle } from './0120_login_throttle';
import { workflow } from './0200_workflow';
import { secondFactor } from './0300_second_factor';
import { annotationOwner } from './0320_annotation_owner';
import { studyObjects } from './0330_study_objects';
import { maskTiles } from './0400_mask_tiles';
import { tileIndexDeltas } from './0410_tile_index_deltas';
import { releaseExports } from './0500_release_exports';
import { importRevisions } from './0520_import_revisions';
import { apiTokens } from './0600_api_tokens';
import { uploads } from './0710_uploads';
import { dicomweb } from './0720_dicomweb';
import { quarantineReview } from './0730_quarantine_review';
import { auditSearch } from './0740_audit_search';
import { slidePyramids } from './0760_slide_pyramids';
import { slideTileIndex } from './0770_slide_tile_index';
import { dicomwebResume } from './0810_dicomweb_resume';
import { pathology } from './0820_pathology';
import { modelRegistry } from './0830_model_registry';
import { schemaTemplates } from './0840_schema_templates';
import { derivedStructures } from './0841_derived_structures';
import { organisations } from './0850_organisations';
import { fundus } from './0870_fundus';
import { seedingSteps } from './0930_seeding_steps';
import { fovea } from './0945_fovea';
import { uploadLaterality } from './0946_upload_laterality';
import { heldVideoFrames } from './0950_held_video_frames';
import { slideDicomSources } from './0960_slide_dicom_sources';
import { derivedStructureStates } from './0920_derived_structure_states';
import { oct } from './0860_oct';
import { cardiacCine } from './0880_cardiac_cine';
import { videoFrames } from './0890_video_frames';

/**
 * Every migration, in order. To add one, write `NNNN_name.ts` exporting a {@link Migration}
 * and append it here: one import and one line.
 */
export const migrations: readonly Migration[] = [
  foundation,
  frozenReleases,
  seriesGeometry,
  deidGate,
  subjectIdentities,
  access,
  audit,
  loginThrottle,
  workflow,
  secondFactor,
  annotationOwner,
  studyObjects,
  maskTiles,
  tileIndexDeltas,
  releaseExports,
  importRevisions,
  apiTokens,
  uploads,
  dicomweb,
  quarantineReview,
  auditSearch,
  slidePyramids,
  slideTileIndex,
  dicomwebResume,
  pathology,
  modelRegistry,
  schemaTemplates,
  derivedStructures,
  organisations,
  oct,
  fundus,
  cardiacCine,
  videoFrames,
  derivedStructureStates,
  seedingSteps,
  fovea,
  uploadLaterality,
  heldVideoFrames,
  slideDicomSources,
];
