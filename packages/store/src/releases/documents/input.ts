import { DelineateError, ReleaseDocumentInput } from '@delineate/schema';

export type ReleaseDocumentItem = ReleaseDocumentInput['items'][number];

/** Validates the input; a bad one is refused before any record is read. */
export function parseDocumentInput(input: ReleaseDocumentInput): ReleaseDocumentInput {
  const parsed = ReleaseDocumentInput.safeParse(input);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') ?? '';
    throw new DelineateError('DLN_DOCUMENT_INPUT_INVALID', `The release document input is invalid at "${where}"`);
  }
  const ids = new Set<string>();
  for (const item of [...parsed.data.items, ...parsed.data.excluded]) {
    if (ids.has(item.itemId)) throw new DelineateError('DLN_DOCUMENT_INPUT_INVALID', 'An item appears twice in the release document input');
    ids.add(item.itemId);
  }
  return parsed.data;
}

/** The header every document JSON carries: which release it describes and when that was frozen. */
export interface DocumentRelease {
  readonly releaseId: string;
  readonly name: string;
  readonly manifestHash: string;
  readonly frozenAt: string;
  readonly labelSchema: { readonly id: string; readonly version: number };
  readonly reviewProtocol: { readonly id: string; readonly version: number };
}

export function documentRelease(input: ReleaseDocumentInput): DocumentRelease {
  return {
    releaseId: input.releaseId,
    name: input.name,
    manifestHash: input.manifestHash,
    frozenAt: input.frozenAt.toISOString(),
    labelSchema: input.labelSchema,
    reviewProtocol: input.reviewProtocol,
  };
}
