import type { Label, Task } from '@delineate/schema';

/** An error the server answered with: its stable `DLN_` code and a message in plain words. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Plain words for the codes a person meets most; anything else shows the server's message. */
const plainWords: Record<string, string> = {
  DLN_AUTH_INVALID_CREDENTIALS: 'The user name or password is wrong.',
  DLN_AUTH_REQUIRED: 'Your session has ended. Please sign in again.',
  DLN_AUTH_MFA_REQUIRED: 'Enter the code from your authenticator app first.',
  DLN_AUTH_CODE_INVALID: 'The authentication code is wrong.',
  DLN_AUTH_PASSWORD_INVALID: 'The password is wrong.',
  DLN_AUTH_RATE_LIMITED: 'Too many attempts. Wait a little, then try again.',
  DLN_AUTH_FORBIDDEN: 'Your role does not allow this.',
  DLN_NOT_FOUND: 'This was not found, or you may not see it.',
  DLN_REVISION_STALE: 'Someone else saved this annotation after you opened it.',
  DLN_NETWORK: 'The server could not be reached. Your work is kept on this computer.',
  DLN_DICOMWEB_NOT_CONFIGURED: 'This project has no PACS connection yet; a project administrator sets one on the PACS page.',
  DLN_DICOMWEB_UNREACHABLE: 'The PACS could not be reached or did not answer in time.',
  DLN_DICOMWEB_UNAUTHORIZED: 'The PACS refused the user name or password of the connection.',
  DLN_DICOMWEB_ANSWER: 'The PACS answered with an error.',
  DLN_DICOMWEB_NOT_DICOM: 'The PACS sent something that is not a DICOM image.',
  DLN_DICOMWEB_OVERSIZE: 'The PACS sent an image larger than the connection allows.',
  DLN_DICOMWEB_STORE_REFUSED: 'The PACS stored none of what was sent.',
  DLN_DICOMWEB_REVISION_NOT_ACCEPTED: 'Only a revision that a signed review accepted can be sent to the PACS.',
  DLN_DICOMWEB_RELEASE_NO_SEG: 'Only an export in a DICOM SEG format can be sent to the PACS.',
  DLN_INGEST_UNAVAILABLE: 'This server runs no de-identification gate, so nothing can be brought in.',
};

export function describeError(error: unknown): { code: string; text: string } {
  if (error instanceof ApiError) return { code: error.code, text: plainWords[error.code] ?? error.message };
  // An error the app raises itself with its own code (e.g. a malformed link), its message already in words.
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('DLN_')) return { code: error.code, text: error.message };
  return { code: 'DLN_INTERNAL', text: error instanceof Error ? error.message : 'Something went wrong.' };
}

async function failure(res: Response): Promise<ApiError> {
  let body: { code?: string; message?: string } & Record<string, unknown> = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not JSON
  }
  return new ApiError(body.code ?? `DLN_HTTP_${res.status}`, body.message ?? res.statusText, res.status, body);
}

export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: 'same-origin', ...init });
  } catch {
    throw new ApiError('DLN_NETWORK', 'The server could not be reached', 0);
  }
  if (!res.ok) throw await failure(res);
  return res;
}

export async function json<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await request(path, init);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export function post<T>(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  return json<T>(path, {
    method: 'POST',
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

export function put<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  return json<T>(path, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

export type MfaState = 'verified' | 'pending' | 'enrolment_required' | 'not_required';
/** Told once at sign-in (`mfa_reset`: a platform administrator reset the second factor). */
export interface SignInNotice {
  kind: string;
  createdAt: string;
}

export interface Session {
  userId: string;
  username: string;
  displayName: string;
  platformAdmin: boolean;
  mfa: MfaState;
  roles: { projectId: string; role: string; viaBreakGlass: boolean }[];
}

export interface MyTask extends Task {
  item: { id: string; kind: string; subjectPseudonym: string; slices: number | null; modality: string | null };
  projectName: string;
  annotation: { id: string; headVersion: number } | null;
}

export interface Grid {
  rows: number;
  columns: number;
  slices: number;
  spacing: number[];
  origin: number[];
  direction: number[];
}

export interface ItemView {
  id: string;
  projectId: string;
  kind: string;
  modality: string;
  grid: Grid;
  labelSchema: { id: string; name: string; version: number; labels: Label[] };
  annotations: { id: string; taskId: string | null; authorId: string | null; mine: boolean; headVersion: number }[];
}

export interface RevisionInfo {
  annotationId: string;
  version: number;
  parentVersion: number | null;
  author: { kind: 'user'; userId: string } | { kind: 'model'; name: string; version: string };
  source: string;
  maskHash: string;
  createdAt: string;
}

export interface AnnotationInfo {
  id: string;
  itemId: string;
  taskId: string | null;
  labelSchema: { id: string; version: number };
  headVersion: number;
  head: RevisionInfo | null;
}

export const api = {
  login: (username: string, password: string) => post<{ mfa: MfaState; notices: SignInNotice[] }>('/api/auth/login', { username, password }),
  logout: () => post<void>('/api/auth/logout'),
  session: () => json<Session>('/api/auth/session'),
  beginTotp: () => post<{ secret: string; uri: string }>('/api/auth/mfa/totp'),
  verifyTotp: (code: string) => post<{ token: string; recoveryCodes?: string[] }>('/api/auth/mfa/verify', { code }),
  myTasks: () => json<{ tasks: MyTask[] }>('/api/tasks/mine'),
  item: (itemId: string) => json<ItemView>(`/api/items/${itemId}`),
  createAnnotation: (itemId: string, labelSchema: { id: string; version: number }, taskId: string | null) =>
    post<AnnotationInfo>(`/api/items/${itemId}/annotations`, { labelSchema, ...(taskId ? { taskId } : {}) }),
  annotation: (annotationId: string) => json<AnnotationInfo>(`/api/annotations/${annotationId}`),
  revisions: (annotationId: string) => json<RevisionInfo[]>(`/api/annotations/${annotationId}/revisions`),
  async mask(annotationId: string, version: number): Promise<Uint8Array> {
    const res = await request(`/api/annotations/${annotationId}/revisions/${version}/mask`);
    return new Uint8Array(await res.arrayBuffer());
  },
  /** One slab of HU voxels; resolves with the first slice index and the voxels. */
  async volumeSlab(itemId: string, first: number, count: number): Promise<{ first: number; voxels: Int16Array }> {
    const res = await request(`/api/items/${itemId}/volume?first=${first}&count=${count}`);
    const buffer = await res.arrayBuffer();
    return { first: Number(res.headers.get('X-Volume-First') ?? first), voxels: new Int16Array(buffer) };
  },
  /** Saves a revision; someone else's newer save is DLN_REVISION_STALE (412) with `currentVersion` in details. */
  async saveRevision(
    annotationId: string,
    expectedVersion: number,
    rle: Uint8Array,
    idempotencyKey: string,
    /** A reviewer's edits of work under review are a correction revision. */
    source: 'human' | 'correction' = 'human',
  ): Promise<{ revision: RevisionInfo; replayed: boolean }> {
    const res = await request(`/api/annotations/${annotationId}/revisions${source === 'correction' ? '?source=correction' : ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'If-Match': `"${expectedVersion}"`, 'Idempotency-Key': idempotencyKey },
      body: rle as unknown as BodyInit,
    });
    return (await res.json()) as { revision: RevisionInfo; replayed: boolean };
  },
};

/** The error a failed response stands for (its `DLN_` code and words), for clients with their own fetch. */
export function errorOf(res: Response): Promise<ApiError> {
  return failure(res);
}

/** The media type of a set of mask tiles (`encodeTileSet` in @delineate/core). */
export const TILE_SET_TYPE = 'application/vnd.delineate.tiles';

/** Tiles of a revision's mask (only the given ones when `positions` is set); empty tiles are left out. */
export async function revisionTiles(annotationId: string, version: number, positions?: readonly { slice: number; tileRow: number; tileColumn: number }[]): Promise<Uint8Array> {
  const query = positions ? `?tiles=${positions.map((p) => `${p.slice}/${p.tileRow}/${p.tileColumn}`).join(',')}` : '';
  const res = await request(`/api/annotations/${annotationId}/revisions/${version}/tiles${query}`);
  return new Uint8Array(await res.arrayBuffer());
}
