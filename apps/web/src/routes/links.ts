/**
 * The rules of the app's addresses, kept free of React so they are tested in Node: which ids and
 * search values a link may carry, how the search part is written (plain `?task=…&annotation=…`,
 * as the links people already keep), and when an address still means the work already open.
 */

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const isUuid = (value: unknown): value is string => typeof value === 'string' && uuid.test(value);

/** A link the app cannot open: a malformed id or search value. Its message names the part, never a value. */
export class LinkError extends Error {
  readonly code = 'DLN_WEB_LINK_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'LinkError';
  }
}

/** What an item address may say beside the item: the task it is opened for, the annotation, a revision of it. */
export interface ItemSearch {
  task?: string;
  annotation?: string;
  revision?: number;
}

/** Validates an item address's search values; an absent value is fine, a malformed one refuses the link. */
export function parseItemSearch(raw: Record<string, unknown>): ItemSearch {
  const search: ItemSearch = {};
  for (const key of ['task', 'annotation'] as const) {
    const value = raw[key];
    if (value === undefined || value === '') continue;
    if (!isUuid(value)) throw new LinkError(`This link is not valid: its ${key} is not an identifier.`);
    search[key] = value;
  }
  const revision = raw.revision;
  if (revision !== undefined && revision !== '') {
    const version = typeof revision === 'number' ? revision : Number(revision);
    if (!Number.isInteger(version) || version < 1 || (typeof revision === 'string' && !/^\d+$/.test(revision))) {
      throw new LinkError('This link is not valid: its revision is not a version number (1, 2, …).');
    }
    if (search.annotation === undefined) throw new LinkError('This link is not valid: a revision needs the annotation it belongs to.');
    search.revision = version;
  }
  return search;
}

/** What a quarantine address may say: the held file to open (uploads link to it). */
export interface QuarantineSearch {
  record?: string;
}

export function parseQuarantineSearch(raw: Record<string, unknown>): QuarantineSearch {
  const record = raw.record;
  if (record === undefined || record === '') return {};
  if (!isUuid(record)) throw new LinkError('This link is not valid: its record is not an identifier.');
  return { record };
}

/** Search values as plain `key=value` pairs (no JSON quoting), in the order given. */
export function stringifySearch(search: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(search)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, typeof value === 'string' ? value : String(value as number | boolean));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function parseSearch(text: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(text.startsWith('?') ? text.slice(1) : text));
}

/** The path of an item page (inside the hash), e.g. for a link copied into a ticket. */
export function itemPath(itemId: string, search: ItemSearch): string {
  return `/items/${itemId}${stringifySearch({ task: search.task, annotation: search.annotation, revision: search.revision })}`;
}

/** The `#…` address of an item page, for code that writes the address bar itself (the workspace). */
export function itemHash(itemId: string, taskId: string | null, annotationId: string | null): string {
  return `#${itemPath(itemId, { ...(taskId ? { task: taskId } : {}), ...(annotationId ? { annotation: annotationId } : {}) })}`;
}

/** What the workspace was opened with. */
export interface OpenedWork {
  itemId: string;
  taskId: string | null;
  annotationId: string | null;
}

/**
 * Whether an item address still means the work already open. The workspace writes the annotation
 * it found or created into the address (a replace, no new page); reopening it for that would
 * throw away the loaded image, so only another item, task or annotation is new work.
 */
export function sameWork(open: OpenedWork, next: OpenedWork): boolean {
  if (open.itemId !== next.itemId || open.taskId !== next.taskId) return false;
  return open.annotationId === next.annotationId || (open.annotationId === null && next.annotationId !== null);
}
