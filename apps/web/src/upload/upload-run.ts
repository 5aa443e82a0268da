import { ApiError, json, post } from '../api';
import type { PickedFile } from './folder-entries';
import { fileKey, forgetUpload, loadSavedUpload, saveUpload, type SavedUpload } from './resume-store';

/** One file's progress in this browser. */
export interface FileProgress {
  readonly key: string;
  readonly path: string;
  readonly size: number;
  /** Bytes the server has. */
  readonly sent: number;
  /** Bytes the server already had when this run began (a resumed upload). */
  readonly resumedFrom: number;
  readonly uploadId: string | null;
  /** Refused before or during the upload, in words, with the server's code. */
  readonly refusal: { code: string; text: string } | null;
  readonly done: boolean;
}

export interface UploadRunState {
  readonly phase: 'idle' | 'uploading' | 'closing' | 'closed' | 'failed';
  readonly batchId: string | null;
  readonly files: readonly FileProgress[];
  readonly error: { code: string; text: string } | null;
}

interface Session {
  id: string;
  received: number;
  size: number;
  state: string;
  chunkBytes: number;
}

const idle: UploadRunState = { phase: 'idle', batchId: null, files: [], error: null };

/** The SHA-256 of a file, when the page may compute it (a secure context) and the file fits in memory. */
async function sha256Of(file: File): Promise<string | undefined> {
  if (!globalThis.crypto?.subtle || file.size > 512 * 1024 * 1024) return undefined;
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function refusalOf(error: unknown): { code: string; text: string } {
  return error instanceof ApiError ? { code: error.code, text: error.message } : { code: 'DLN_NETWORK', text: 'The server could not be reached' };
}

/** Files uploaded at once by one page. */
export const UPLOADS_AT_ONCE = 4;

/**
 * Uploads what was dropped into a project: one batch, one resumable session per file, chunks
 * sent from the offset the server reports. The batch and the sessions are remembered in this
 * browser, so dropping the same files again after an interruption (a reload, a lost network)
 * resumes each from what the server has. When every file is uploaded the batch is closed, which
 * queues the gate.
 */
export class UploadRun {
  #state: UploadRunState = idle;
  readonly #listeners = new Set<() => void>();
  #stopped = false;

  constructor(
    readonly projectId: string,
    private readonly storage: Storage,
  ) {}

  get state(): UploadRunState {
    return this.#state;
  }

  /** An interrupted upload of this project remembered in this browser. */
  saved(): SavedUpload | null {
    return loadSavedUpload(this.storage, this.projectId);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** Stops sending after the chunk in flight (the page is being left). */
  stop(): void {
    this.#stopped = true;
  }

  #set(next: Partial<UploadRunState>): void {
    this.#state = { ...this.#state, ...next };
    for (const listener of this.#listeners) listener();
  }

  #setFile(key: string, change: Partial<FileProgress>): void {
    this.#set({ files: this.#state.files.map((f) => (f.key === key ? { ...f, ...change } : f)) });
  }

  async start(picked: readonly PickedFile[]): Promise<void> {
    this.#stopped = false;
    const saved = this.saved();
    const reopened = saved ? await this.#openBatch(saved.batchId) : null;
    const remembered = reopened && saved ? saved.files : {};
    const batch = reopened ?? (await post<{ id: string }>(`/api/projects/${this.projectId}/uploads`)).id;
    const record: SavedUpload = { batchId: batch, files: { ...remembered } };
    saveUpload(this.storage, this.projectId, record);
    const files = picked.map((p) => ({ key: fileKey({ path: p.path, size: p.file.size, lastModified: p.file.lastModified }), path: p.path, size: p.file.size, sent: 0, resumedFrom: 0, uploadId: null, refusal: null, done: false }));
    this.#set({ phase: 'uploading', batchId: batch, files, error: null });
    try {
      // A few files in flight at once: each request waits on the network and the server's
      // database in turn, so one file at a time leaves both idle most of the time.
      let next = 0;
      const lane = async () => {
        while (!this.#stopped && next < picked.length) {
          const i = next++;
          try {
            await this.#uploadOne(batch, picked[i]!, files[i]!.key, record);
          } catch (error) {
            // The other files stop after their chunk in flight: the upload is resumed as a whole.
            this.#stopped = true;
            throw error;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(UPLOADS_AT_ONCE, picked.length) }, lane));
      if (this.#stopped) return;
      this.#set({ phase: 'closing' });
      await post(`/api/upload-batches/${batch}/close`);
      forgetUpload(this.storage, this.projectId);
      this.#set({ phase: 'closed' });
    } catch (error) {
      this.#set({ phase: 'failed', error: refusalOf(error) });
    }
  }

  /** The remembered batch when the server still takes files into it. */
  async #openBatch(batchId: string): Promise<string | null> {
    try {
      const status = await json<{ closedAt: string | null }>(`/api/upload-batches/${batchId}`);
      return status.closedAt === null ? batchId : null;
    } catch {
      return null;
    }
  }

  async #session(batch: string, p: PickedFile, key: string, record: SavedUpload): Promise<Session> {
    const known = record.files[key];
    if (known) {
      try {
        return await json<Session>(`/api/upload-files/${known}`);
      } catch {
        // The session is gone (another project, an expired batch): start the file again.
      }
    }
    const sha256 = await sha256Of(p.file);
    const created = await post<Session>(`/api/upload-batches/${batch}/files`, { name: p.path, size: p.file.size, ...(sha256 ? { sha256 } : {}), ...(p.laterality ? { laterality: p.laterality } : {}) });
    record.files[key] = created.id;
    saveUpload(this.storage, this.projectId, record);
    return created;
  }

  async #uploadOne(batch: string, p: PickedFile, key: string, record: SavedUpload): Promise<void> {
    let session: Session;
    try {
      session = await this.#session(batch, p, key, record);
    } catch (error) {
      // A file the server refuses up front (a video) does not stop the others.
      this.#setFile(key, { refusal: refusalOf(error), done: true });
      return;
    }
    let offset = session.received;
    this.#setFile(key, { uploadId: session.id, sent: offset, resumedFrom: offset });
    try {
      let completed = false;
      while (session.state === 'uploading' && offset < p.file.size) {
        if (this.#stopped) return;
        const end = Math.min(p.file.size, offset + session.chunkBytes);
        const chunk = p.file.slice(offset, end);
        try {
          // The last chunk also ends the file's upload: one request less per file.
          const last = end === p.file.size ? '&complete=true' : '';
          const answer = await json<{ received: number; file?: unknown }>(`/api/upload-files/${session.id}?offset=${offset}${last}`, { method: 'PATCH', headers: { 'content-type': 'application/octet-stream' }, body: chunk });
          offset = answer.received;
          completed = answer.file !== undefined;
        } catch (error) {
          // The server has more or less than this page thought (a retried chunk): go on from its offset.
          if (error instanceof ApiError && error.code === 'DLN_UPLOAD_OFFSET' && typeof error.details?.received === 'number') offset = error.details.received;
          else throw error;
        }
        this.#setFile(key, { sent: offset });
      }
      if (session.state === 'uploading' && !completed) await post(`/api/upload-files/${session.id}/complete`);
      this.#setFile(key, { sent: p.file.size, done: true });
    } catch (error) {
      this.#setFile(key, { refusal: refusalOf(error), done: true });
    }
  }
}

/** Bytes sent over bytes to send, for the overall bar. */
export function overallProgress(files: readonly FileProgress[]): { sent: number; total: number } {
  return files.reduce((acc, f) => ({ sent: acc.sent + (f.refusal ? f.size : f.sent), total: acc.total + f.size }), { sent: 0, total: 0 });
}
