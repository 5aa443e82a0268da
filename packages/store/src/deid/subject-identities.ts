import { randomBytes } from 'node:crypto';
import type { PatientKey, PseudonymMap } from '@delineate/deid';
import { DelineateError } from '@delineate/schema';
import type { BlobStore } from '../blob/types';
import type { Clock } from '../repositories/annotations';
import type { Database } from '../sql/database';

export interface SubjectIdentity {
  pseudonym: string;
  patientId: string;
  issuerOfPatientId: string | null;
  patientName: string | null;
}

/**
 * Wraps the project's pseudonym map and remembers which patient each pseudonym was given to,
 * so that ingest can keep the re-identification key for the data steward.
 */
export class RecordingPseudonymMap implements PseudonymMap {
  readonly seen = new Map<string, PatientKey>();

  constructor(private readonly inner: PseudonymMap) {}

  async pseudonymFor(patient: PatientKey): Promise<string> {
    const pseudonym = await this.inner.pseudonymFor(patient);
    if (!this.seen.has(pseudonym)) this.seen.set(pseudonym, patient);
    return pseudonym;
  }
}

/**
 * Stores the identity behind each new pseudonym as an encrypted, salted blob (its address
 * reveals nothing) and records the address; pseudonyms already on record are left as they are.
 */
export async function keepSubjectIdentities(deps: { database: Database; blobs: BlobStore; clock: Clock }, projectId: string, seen: ReadonlyMap<string, PatientKey>): Promise<number> {
  let stored = 0;
  for (const [pseudonym, patient] of seen) {
    const known = await deps.database.db
      .selectFrom('subject_identities')
      .select('pseudonym')
      .where('project_id', '=', projectId)
      .where('pseudonym', '=', pseudonym)
      .executeTakeFirst();
    if (known) continue;
    const identity = {
      salt: randomBytes(16).toString('hex'),
      patientId: patient.patientId,
      issuerOfPatientId: patient.issuerOfPatientId || null,
      patientName: patient.patientName || null,
    };
    const { hash } = await deps.blobs.put(new TextEncoder().encode(JSON.stringify(identity)));
    await deps.database.db
      .insertInto('subject_identities')
      .values({ project_id: projectId, pseudonym, identity_blob_hash: hash, created_at: deps.clock() })
      .onConflict((oc) => oc.columns(['project_id', 'pseudonym']).doNothing())
      .execute();
    stored++;
  }
  return stored;
}

/** The re-identification key of a project (data stewards only; every read is audited). */
export async function readSubjectIdentities(deps: { database: Database; blobs: BlobStore }, projectId: string): Promise<SubjectIdentity[]> {
  const rows = await deps.database.db
    .selectFrom('subject_identities')
    .select(['pseudonym', 'identity_blob_hash'])
    .where('project_id', '=', projectId)
    .orderBy('pseudonym')
    .execute();
  const out: SubjectIdentity[] = [];
  for (const row of rows) {
    const parsed = JSON.parse(new TextDecoder().decode(await deps.blobs.get(row.identity_blob_hash))) as Partial<SubjectIdentity>;
    if (typeof parsed.patientId !== 'string') throw new DelineateError('DLN_BLOB_CORRUPT', 'A subject identity record is malformed');
    out.push({ pseudonym: row.pseudonym, patientId: parsed.patientId, issuerOfPatientId: parsed.issuerOfPatientId ?? null, patientName: parsed.patientName ?? null });
  }
  return out;
}
