import { readFile, writeFile, rename } from 'node:fs/promises';
import { keyedHash } from './crypto-keys';

/** What identifies a patient in the source (never stored or logged as such). */
export interface PatientKey {
  readonly patientId: string;
  readonly issuerOfPatientId?: string;
  /** Used only when the source has no Patient ID. */
  readonly patientName?: string;
}

/**
 * Source patient → project pseudonym. Implementations must return the same pseudonym for the
 * same patient in every batch of a project. The steward-only encrypted store (packages/store)
 * implements this interface too; the in-process versions here hold no raw identifiers: they
 * key everything by an HMAC of the patient key under the project secret.
 */
export interface PseudonymMap {
  pseudonymFor(patient: PatientKey): Promise<string>;
}

function patientDigest(secret: Uint8Array, patient: PatientKey): string {
  const key = patient.patientId.trim()
    ? `id:${patient.issuerOfPatientId?.trim() ?? ''}:${patient.patientId.trim()}`
    : `name:${patient.patientName?.trim().toUpperCase() ?? ''}`;
  return keyedHash(secret, 'patient', key).toString('hex');
}

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Stateless: the pseudonym is derived from the secret ("P-" and 12 characters of the HMAC). */
export class DerivedPseudonymMap implements PseudonymMap {
  constructor(private readonly secret: Uint8Array) {}

  async pseudonymFor(patient: PatientKey): Promise<string> {
    const digest = Buffer.from(patientDigest(this.secret, patient), 'hex');
    let text = 'P-';
    for (let i = 0; i < 12; i += 1) text += ALPHABET[(digest[i] ?? 0) % ALPHABET.length];
    return text;
  }
}

/**
 * Sequential pseudonyms (SUBJ-000001, …) persisted to a JSON file of
 * `{ keyed hash of the patient → pseudonym }`. The file holds no identifier in clear, yet keeps
 * numbering stable across batches of the same project.
 */
export class FilePseudonymMap implements PseudonymMap {
  private entries: Promise<Record<string, string>> | undefined;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly secret: Uint8Array,
    private readonly prefix = 'SUBJ-',
  ) {}

  private load(): Promise<Record<string, string>> {
    // One shared read, so concurrent first calls see the same table.
    this.entries ??= readFile(this.path, 'utf8').then(
      (text) => JSON.parse(text) as Record<string, string>,
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        return {};
      },
    );
    return this.entries;
  }

  async pseudonymFor(patient: PatientKey): Promise<string> {
    const entries = await this.load();
    const digest = patientDigest(this.secret, patient);
    const existing = entries[digest];
    if (existing) return existing;
    const next = `${this.prefix}${String(Object.keys(entries).length + 1).padStart(6, '0')}`;
    entries[digest] = next;
    // Writes are chained so concurrent callers never interleave on the temporary file.
    this.saving = this.saving.then(async () => {
      const temporary = `${this.path}.tmp`;
      await writeFile(temporary, `${JSON.stringify(entries, null, 1)}\n`, { mode: 0o600 });
      await rename(temporary, this.path);
    });
    await this.saving;
    return next;
  }
}
