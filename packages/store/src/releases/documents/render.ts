import { createHash } from 'node:crypto';
import { DelineateError, ReleaseDocumentFormat, ReleaseDocumentKind } from '@delineate/schema';
import { canonicalJson } from '../../audit/canonical-json';
import { layoutComposition, type DatasetCompositionJson } from './composition';
import { renderHtml } from './html';
import type { DocumentLayout } from './layout';
import { renderPdf } from './pdf';
import { layoutAnnotationProtocol, type AnnotationProtocolJson } from './protocol';
import { layoutQaResults, type QaResultsJson } from './quality';
import { layoutVariability, type InterObserverVariabilityJson } from './variability';

export type ReleaseDocumentJson = AnnotationProtocolJson | InterObserverVariabilityJson | DatasetCompositionJson | QaResultsJson;

export interface RenderedDocument {
  readonly kind: ReleaseDocumentKind;
  readonly format: ReleaseDocumentFormat;
  readonly contentType: string;
  readonly bytes: Uint8Array;
  /** SHA-256 of the bytes, lower-case hex: what the release records. */
  readonly sha256: string;
}

const contentTypes: Record<ReleaseDocumentFormat, string> = {
  json: 'application/json',
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
};

function layoutOf(doc: ReleaseDocumentJson): DocumentLayout {
  switch (doc.kind) {
    case 'annotation_protocol':
      return layoutAnnotationProtocol(doc);
    case 'inter_observer_variability':
      return layoutVariability(doc);
    case 'dataset_composition':
      return layoutComposition(doc);
    case 'qa_results':
      return layoutQaResults(doc);
  }
}

/**
 * Renders one document from its JSON (the source: HTML and PDF are drawn from it, so all three
 * carry the same numbers). The JSON format is the canonical JSON text (sorted keys).
 */
export async function renderDocument(kind: ReleaseDocumentKind, json: ReleaseDocumentJson, format: ReleaseDocumentFormat): Promise<RenderedDocument> {
  if (!ReleaseDocumentKind.safeParse(kind).success) throw new DelineateError('DLN_DOCUMENT_KIND_UNKNOWN', 'Unknown release document kind');
  if (!ReleaseDocumentFormat.safeParse(format).success) throw new DelineateError('DLN_DOCUMENT_FORMAT_UNKNOWN', 'Unknown release document format');
  if (typeof json !== 'object' || json === null || json.kind !== kind || typeof json.release?.frozenAt !== 'string') {
    throw new DelineateError('DLN_DOCUMENT_JSON_INVALID', 'The document JSON is not a document of this kind');
  }
  const source = canonicalJson(json);
  let bytes: Uint8Array;
  try {
    bytes =
      format === 'json' ? new TextEncoder().encode(source) : format === 'html' ? new TextEncoder().encode(renderHtml(layoutOf(json))) : await renderPdf(layoutOf(json), source);
  } catch (error) {
    if (error instanceof DelineateError) throw error;
    throw new DelineateError('DLN_DOCUMENT_JSON_INVALID', 'The document JSON could not be rendered');
  }
  return { kind, format, contentType: contentTypes[format], bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}
