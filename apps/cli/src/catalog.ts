/**
 * What each `delineate` command does, in one sentence: the overall help is printed from here
 * without loading any command's module (that is what keeps `delineate --help` fast), and each
 * module describes its command with the same words (commandSummary).
 */
export const commandCatalog = {
  start: 'Start the API server and job worker in one process (embedded defaults; seeds the demo project on first start)',
  demo: 'Seed the demo projects (three synthetic CT phantoms with the liver label schema, an agreement sample with seeded readings; a synthetic H&E slide with the tissue-class schema; users for every role) into the configured store',
  migrate: 'Apply the database migrations to the configured database (DATABASE_URL, or the embedded one in DELINEATE_DATA)',
  ingest: 'Ingest DICOM files and slides (SVS, NDPI, tiled TIFF, DICOM whole-slide series) into a project through the de-identification gate (OCR pixel check included; slides converted to a tiled pyramid); only passed files become items. Through the running server when one holds the data folder (DELINEATE_API_TOKEN, scope ingest)',
  redact: 'Blank rectangles on a quarantined file (data steward) and run it through the gate again',
  deid: 'De-identify DICOM files (PS3.15 Annex E basic profile + options), verify and quarantine',
  metrics: 'Overlap and surface-distance metrics of a test segmentation against a reference (NIfTI)',
  agreement: 'Inter-rater agreement: all pairwise metrics with summaries, Fleiss kappa and Krippendorff alpha per label',
  consensus: 'Combine raters: binary STAPLE (probability map), multi-label STAPLE or majority vote (ITK semantics)',
  audit: 'The tamper-evident audit log',
  'access-review': 'Every member of a project with roles, qualifications, last access and accesses in the period; flags an overdue review',
  report: 'Compliance reports generated from the configuration and the records',
  'import-mask': "Import a DICOM SEG or NIfTI label map on an item's grid as a new revision (source import), audited",
  release: 'Frozen releases: verify them against their manifests, export them, regenerate their documents',
  trace: 'Who drew one voxel of a released item: label, revision, author, parent chain, review, STAPLE figures, DeidRecord',
  token: 'API tokens: scoped, expiring, revocable credentials of a user for the CLI and other clients',
  templates: 'The label-schema library: radiotherapy targets and organs at risk, BraTS, the demo liver schema',
  backup: 'Write a consistent, encrypted backup of the database, blobs, keys and audit checkpoints into a new folder (sealed with the platform key, which is not in it)',
  restore: 'Restore a backup into a new data folder (and an empty PostgreSQL database when DATABASE_URL is set), checking every file against the manifest',
} as const satisfies Record<string, string>;

export type CommandName = keyof typeof commandCatalog;

export function commandSummary(name: CommandName): string {
  return commandCatalog[name];
}
