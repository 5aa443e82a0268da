/**
 * Unsent edits kept in IndexedDB, one per annotation: the label volume (rle-encoded) or the edited
 * tiles of a slide's labels, and the revision it was based on. Written shortly after every edit and removed after a save, so a
 * closed tab or a lost connection loses nothing; offered back when the annotation reopens.
 */
export interface Draft {
  annotationId: string;
  /** The head version the edits were made on. */
  baseVersion: number;
  /** A whole label volume's edits: the volume as `rle`. */
  rle?: Uint8Array;
  /** Sparse labels' edits (slides): the tiles edited since the last save, as a tile set. */
  tiles?: Uint8Array;
  /** OCT boundary heights' edits: the whole boundary set in the core's binary layout. */
  boundaries?: Uint8Array;
  savedAt: string;
}

const DB_NAME = 'delineate-drafts';
const STORE = 'drafts';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'annotationId' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB unavailable'));
  });
}

async function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result as T);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB write failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB write aborted'));
    });
  } finally {
    db.close();
  }
}

export const drafts = {
  put: (draft: Draft) => run<IDBValidKey>('readwrite', (s) => s.put(draft)),
  get: (annotationId: string) => run<Draft | undefined>('readonly', (s) => s.get(annotationId)),
  remove: (annotationId: string) => run<undefined>('readwrite', (s) => s.delete(annotationId)),
};
