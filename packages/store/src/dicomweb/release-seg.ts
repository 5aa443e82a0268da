import { DelineateError } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../blob/types';
import { releaseExportArchive } from '../releases/export/exports';
import { readTarArchive } from '../releases/export/tar';
import type { DB } from '../sql/tables';

/**
 * The DICOM SEG objects of a finished release export in a `seg-*` format (BINARY, LABELMAP or
 * FRACTIONAL), as the archive holds them: what a STOW-RS send of a release carries.
 */
export async function releaseSegmentations(db: Kysely<DB>, blobs: BlobStore, releaseId: string, exportId: string): Promise<Uint8Array[]> {
  const { export: e, bytes } = await releaseExportArchive(db, blobs, releaseId, exportId);
  if (!e.format.startsWith('seg-')) throw new DelineateError('DLN_DICOMWEB_RELEASE_NO_SEG', 'Only an export in a DICOM SEG format can be sent to a PACS', { format: e.format });
  const files = readTarArchive(bytes).filter((f) => f.path.endsWith('.dcm'));
  if (files.length === 0) throw new DelineateError('DLN_DICOMWEB_RELEASE_NO_SEG', 'The export holds no DICOM SEG object');
  return files.map((f) => f.bytes);
}
