import { decodeNifti, niftiLabels } from '@delineate/formats';
import { isDelineateError, type UploadOutcome } from '@delineate/schema';
import { AnnotationRepository, importedMask, importMaskRevision, itemVolumeGeometry, LabelSchemaRepository, ProjectRepository, withTransaction } from '@delineate/store';
import type { IngestDeps, IngestedItem } from '../ingest';

const NIFTI_NAME = /\.nii(\.gz)?$/i;
const startsWith = (bytes: Uint8Array, at: number, ascii: string) => bytes.length >= at + ascii.length && [...ascii].every((c, i) => bytes[at + i] === c.charCodeAt(0));

/** A NIfTI-1/2 file, by its name (a .nii.gz is gzip until inflated) or by its header. */
export function isNiftiUpload(name: string, bytes: Uint8Array): boolean {
  if (startsWith(bytes, 128, 'DICM')) return false;
  return NIFTI_NAME.test(name) || startsWith(bytes, 344, 'n+1\0') || startsWith(bytes, 4, 'n+2\0');
}

/** What the uploader is told about a NIfTI file of the batch. */
export interface NiftiAnswer {
  readonly state: 'passed' | 'rejected';
  readonly code: string | null;
  readonly reason: string;
  readonly outcome: UploadOutcome;
}

const refused = (code: string, reason: string): NiftiAnswer => ({ state: 'rejected', code, reason, outcome: { passed: 0, quarantined: 0, rejected: 1, duplicates: 0 } });

const NOT_LABELS = 'The NIfTI file is an image, not a label map: only label maps made on an uploaded series are imported';

/**
 * A NIfTI label map uploaded with the DICOM series it was made on: matched by geometry
 * (dimensions and affine against the series' positions and orientation, within the mask
 * import's tolerance) to one of the items this batch created, and imported onto it as a
 * revision (source `import`) with the label schema's values, through the mask import path. A
 * file that is an image, lies on no uploaded series' grid, or comes without one is refused with
 * its reason in words, and nothing of it is written.
 */
export async function importUploadedNifti(deps: IngestDeps, input: { projectId: string; uploadedBy: string | null; bytes: Uint8Array; items: readonly IngestedItem[] }): Promise<NiftiAnswer> {
  if (input.items.length === 0) {
    return refused('DLN_UPLOAD_NIFTI_NO_SERIES', 'A NIfTI file is taken only with the DICOM series it was made on, in the same upload; no series of this upload passed the gate');
  }
  try {
    niftiLabels(decodeNifti(input.bytes));
  } catch (error) {
    if (isDelineateError(error) && error.code === 'DLN_NIFTI_INVALID' && /label image/.test(error.message)) return refused('DLN_UPLOAD_NIFTI_NOT_LABELS', NOT_LABELS);
    return refused(isDelineateError(error) ? error.code : 'DLN_NIFTI_INVALID', 'The NIfTI file could not be read');
  }
  if (!input.uploadedBy) return refused('DLN_UPLOAD_NIFTI_NO_SERIES', 'A NIfTI label map needs the person who uploaded it as its author');
  const db = deps.database.db;
  const project = await new ProjectRepository(db).get(input.projectId);
  const schema = await new LabelSchemaRepository(db).get(project.labelSchema.id, project.labelSchema.version);
  for (const item of input.items) {
    try {
      // Checked before anything is written: only a file that fits the item wholly is imported.
      importedMask(input.bytes, await itemVolumeGeometry(db, item.itemId), schema.labels);
    } catch (error) {
      if (!isDelineateError(error)) throw error;
      if (error.code === 'DLN_IMPORT_OFF_GRID') continue;
      if (error.code === 'DLN_REVISION_LABEL_UNDEFINED') return refused('DLN_UPLOAD_NIFTI_NOT_LABELS', `${NOT_LABELS} (it holds values the label schema does not define)`);
      if (error.code === 'DLN_IMPORT_EMPTY') return refused('DLN_IMPORT_EMPTY', 'The NIfTI label map labels no voxel of its series');
      throw error;
    }
    const uploadedBy = input.uploadedBy;
    // The annotation and its imported revision together, or neither.
    const imported = await withTransaction(db, async (tx) => {
      const annotations = new AnnotationRepository(tx, { blobs: deps.blobs, clock: deps.clock });
      const annotation = await annotations.create({ projectId: input.projectId, itemId: item.itemId, labelSchema: project.labelSchema, createdBy: uploadedBy });
      return importMaskRevision(tx, annotations, { annotationId: annotation.id, expectedVersion: 0, author: { kind: 'user', userId: uploadedBy }, bytes: input.bytes });
    });
    const labels = imported.segments.map((s) => s.labelKey).join(', ');
    return { state: 'passed', code: null, reason: `Imported as a label map of its series (labels: ${labels})`, outcome: { passed: 1, quarantined: 0, rejected: 0, duplicates: 0 } };
  }
  return refused('DLN_UPLOAD_NIFTI_OFF_GRID', 'The NIfTI file lies on the grid of no series in this upload: its dimensions or position differ from every series');
}
