import { createHmac } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DelineateError } from '@delineate/schema';
import { blobAddress } from '../blob/address';
import { openBlob, sealBlob } from '../blob/envelope';
import type { BlobKey } from '../blob/key';
import { openText, sealText } from '../uploads/sealed-name';

/** A study, or one series of it, to retrieve: identifying, so only ever stored sealed. */
export interface RetrievalTarget {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid?: string | undefined;
}

const targetsContext = (retrievalId: string) => `dicomweb-targets:${retrievalId}`;

/** The targets of a retrieval as its job row holds them: sealed with the platform key, base64. */
export function sealRetrievalTargets(key: BlobKey, retrievalId: string, targets: readonly RetrievalTarget[]): string {
  const plain = targets.map((t) => (t.seriesInstanceUid ? { studyInstanceUid: t.studyInstanceUid, seriesInstanceUid: t.seriesInstanceUid } : { studyInstanceUid: t.studyInstanceUid }));
  return sealText(key, targetsContext(retrievalId), JSON.stringify(plain)).toString('base64');
}

export function openRetrievalTargets(key: BlobKey, retrievalId: string, sealed: string): RetrievalTarget[] {
  const text = openText(key, targetsContext(retrievalId), Buffer.from(sealed, 'base64'), 'The targets of a retrieval failed verification');
  return JSON.parse(text) as RetrievalTarget[];
}

/**
 * An instance's identity for resuming, without its UID: HMAC-SHA-256 under the platform key, so
 * the hash cannot be matched against UIDs guessed or seen elsewhere.
 */
export function instanceHash(key: BlobKey, sopInstanceUid: string): string {
  return createHmac('sha256', key.material).update(`dicomweb-instance:${sopInstanceUid}`).digest('hex');
}

/**
 * Where the instances of one retrieval target wait for the gate: one file per instance, sealed
 * with the blob envelope (AES-256-GCM under the platform key) as it arrives, so a series is never
 * held in memory while it is received. Cleared when the target has been gated, and before a
 * resumed retrieval starts the target again.
 */
export class RetrievalStaging {
  readonly #dir: string;
  readonly #key: BlobKey;
  #count = 0;

  constructor(root: string, retrievalId: string, key: BlobKey) {
    this.#dir = join(root, retrievalId);
    this.#key = key;
  }

  /** Empties the folder (what a stopped run left behind) and makes it ready. */
  async reset(): Promise<void> {
    await rm(this.#dir, { recursive: true, force: true });
    await mkdir(this.#dir, { recursive: true });
    this.#count = 0;
  }

  async put(bytes: Uint8Array): Promise<void> {
    const hash = blobAddress(bytes);
    const index = String(this.#count++).padStart(6, '0');
    await writeFile(join(this.#dir, `${index}-${hash}`), sealBlob(this.#key, hash, bytes));
  }

  get count(): number {
    return this.#count;
  }

  /** The staged instances in arrival order, each unsealed and checked against its address. */
  async contents(): Promise<Uint8Array[]> {
    const names = (await readdir(this.#dir)).sort();
    const out: Uint8Array[] = [];
    for (const name of names) {
      const hash = name.split('-')[1];
      if (!hash) throw new DelineateError('DLN_BLOB_CORRUPT', 'A staged retrieval file has no address');
      out.push(openBlob(this.#key, hash, await readFile(join(this.#dir, name))));
    }
    return out;
  }

  async remove(): Promise<void> {
    await rm(this.#dir, { recursive: true, force: true });
  }
}
