import { createHash } from 'node:crypto';
import { encodeBoundarySet, findBoundaryOrderViolation, octBoundaryConcepts } from '@delineate/core';
import { type HeyexExport, readHeyexVol, readHeyexXml, writeOctInstances } from '@delineate/formats';
import { DelineateError, type OctBoundaryRevision } from '@delineate/schema';
import { AnnotationRepository, OctRepository } from '@delineate/store';
import { ingestDicom, type IngestDeps, type IngestOptions, type IngestReport } from './ingest';

/** A Heyex export as given: a VOL file, or an XML export with the TIFF files it names. */
export type HeyexInput = { kind: 'vol'; bytes: Uint8Array } | { kind: 'xml'; xml: string; files: ReadonlyMap<string, Uint8Array> };

export interface HeyexIngest {
  report: IngestReport;
  /** The OCT item, when the gate passed the volume. */
  itemId: string | undefined;
  /** The imported layer heights as the first boundary revision of an annotation (source `import`). */
  imported: { annotationId: string; revision: OctBoundaryRevision } | undefined;
}

/**
 * Ingests a Heyex export as an OCT item: the export becomes an Ophthalmic Tomography instance
 * and its localizer, carrying the export's patient fields, and both go through the same gate
 * as any DICOM (which removes or replaces those fields by its rules); the layer heights become
 * the first boundary revision (source `import`) of an annotation by `importedBy`. Heights out
 * of boundary order refuse the whole export before anything is written.
 */
export async function ingestHeyex(deps: IngestDeps, input: HeyexInput, options: IngestOptions & { importedBy: string }): Promise<HeyexIngest> {
  const source: HeyexExport = input.kind === 'vol' ? readHeyexVol(input.bytes) : readHeyexXml(input.xml, (name) => input.files.get(name));
  const violation = findBoundaryOrderViolation(source.boundaries);
  if (violation) {
    throw new DelineateError(
      'DLN_OCT_BOUNDARY_ORDER',
      `The export's ${octBoundaryConcepts[violation.upper].meaning} lies below its ${octBoundaryConcepts[violation.lower].meaning} on B-scan ${violation.bscan + 1}; nothing was ingested`,
      { upper: violation.upper, lower: violation.lower, bscan: violation.bscan, ascan: violation.ascan },
    );
  }
  const digest = createHash('sha256').update(input.kind === 'vol' ? input.bytes : input.xml).digest('hex');
  const written = writeOctInstances({ ...source, uidName: `delineate/heyex/${digest}` });
  const report = await ingestDicom(deps, [written.opt, written.localizer], { ...options, octSource: input.kind === 'vol' ? 'heyex_vol' : 'heyex_xml' });
  const itemId = report.files[0]?.status === 'passed' ? report.files[0].itemId : undefined;
  if (!itemId || source.segmented.length === 0) return { report, itemId, imported: undefined };
  const project = await deps.database.db.selectFrom('projects').select(['label_schema_id', 'label_schema_version']).where('id', '=', options.projectId).executeTakeFirstOrThrow();
  const annotation = await new AnnotationRepository(deps.database.db, { clock: deps.clock }).create({
    projectId: options.projectId,
    itemId,
    labelSchema: { id: project.label_schema_id, version: project.label_schema_version },
    createdBy: options.importedBy,
  });
  const saved = await new OctRepository(deps.database.db, deps.blobs, deps.clock).save({
    annotationId: annotation.id,
    expectedVersion: 0,
    authorUserId: options.importedBy,
    source: 'import',
    bytes: encodeBoundarySet(source.boundaries),
  });
  return { report, itemId, imported: { annotationId: annotation.id, revision: saved.revision } };
}
