import { platformVersion, releaseDocumentFormats, type ReleaseDocument, type ReleaseDocumentInput, type ReleaseDocumentKind } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../../blob/types';
import type { DB } from '../../sql/tables';
import { datasetComposition } from './composition';
import { parseDocumentInput } from './input';
import { annotationProtocol } from './protocol';
import { qaResults } from './quality';
import { loadReleaseRecords } from './records';
import { renderDocument, type ReleaseDocumentJson, type RenderedDocument } from './render';
import { interObserverVariability } from './variability';

export interface ReleaseDocumentOptions {
  /** Masks (agreement, correction effort) and de-identified objects (shifted dates) are read from here. */
  readonly blobs: Pick<BlobStore, 'get'>;
  /** The annotation tool named in the protocol; defaults to this platform. */
  readonly tool?: { readonly name: string; readonly version: string };
}

export interface GeneratedReleaseDocument {
  readonly kind: ReleaseDocumentKind;
  readonly json: ReleaseDocumentJson;
  readonly files: { readonly json: RenderedDocument; readonly html: RenderedDocument; readonly pdf: RenderedDocument };
}

/** The platform's name and version as the protocol states it. */
export const DELINEATE_TOOL: { readonly name: string; readonly version: string } = {
  name: 'Delineate',
  version: platformVersion,
};

/**
 * The four regulatory documents of a frozen release, generated from its records: each as JSON
 * (the source), HTML and PDF. The same input over the same records gives the same bytes.
 */
export async function generateReleaseDocuments(db: Kysely<DB>, input: ReleaseDocumentInput, options: ReleaseDocumentOptions): Promise<GeneratedReleaseDocument[]> {
  const records = await loadReleaseRecords(db, options.blobs, parseDocumentInput(input));
  const sources: ReleaseDocumentJson[] = [
    await annotationProtocol(records, options.tool ?? DELINEATE_TOOL),
    await interObserverVariability(records),
    await datasetComposition(records),
    await qaResults(records),
  ];
  const out: GeneratedReleaseDocument[] = [];
  for (const json of sources) {
    const [asJson, html, pdf] = [await renderDocument(json.kind, json, 'json'), await renderDocument(json.kind, json, 'html'), await renderDocument(json.kind, json, 'pdf')];
    out.push({ kind: json.kind, json, files: { json: asJson, html, pdf } });
  }
  return out;
}

/** The hashes a release records for its documents, one per kind and format (`qa_results.pdf`). */
export function releaseDocumentHashes(documents: readonly GeneratedReleaseDocument[]): ReleaseDocument[] {
  return documents.flatMap((d) => releaseDocumentFormats.map((format) => ({ kind: `${d.kind}.${format}`, hash: d.files[format].sha256 })));
}
