/**
 * Where an interrupted upload is remembered in this browser: per project, the open batch and,
 * for each file, its upload session on the server, keyed by what identifies the same file when
 * it is dropped again (its path in the folder, size and modification time). Ids only: the server
 * keeps the bytes, sealed, and says how many it has.
 */
export interface SavedUpload {
  batchId: string;
  /** File key → upload session id. */
  files: Record<string, string>;
}

/** The same file dropped again: same path in the folder, same size, same modification time. */
export function fileKey(file: { path: string; size: number; lastModified: number }): string {
  return `${file.path}|${file.size}|${file.lastModified}`;
}

const storageKey = (projectId: string) => `delineate.upload.${projectId}`;

export function loadSavedUpload(storage: Storage, projectId: string): SavedUpload | null {
  try {
    const parsed = JSON.parse(storage.getItem(storageKey(projectId)) ?? 'null') as SavedUpload | null;
    return parsed && typeof parsed.batchId === 'string' && typeof parsed.files === 'object' && parsed.files !== null ? parsed : null;
  } catch {
    return null;
  }
}

export function saveUpload(storage: Storage, projectId: string, saved: SavedUpload): void {
  storage.setItem(storageKey(projectId), JSON.stringify(saved));
}

export function forgetUpload(storage: Storage, projectId: string): void {
  storage.removeItem(storageKey(projectId));
}
