import { DelineateError, errorCodes, type ErrorCode } from '@delineate/schema';

/** PostgreSQL error fields both drivers expose (pg's and PGlite's DatabaseError). */
interface PgError {
  code?: string;
  message?: string;
  constraint?: string;
  table?: string;
}

/** What a table holds, in the words a user knows; messages name these, never a constraint. */
const recordNames: Record<string, string> = {
  annotations: 'annotation',
  credentials: 'credential',
  deid_records: 'de-identification record',
  instances: 'image instance',
  items: 'item',
  jobs: 'job',
  label_schema_versions: 'label schema version',
  label_schemas: 'label schema',
  memberships: 'project membership',
  models: 'model',
  project_deid_secrets: 'project secret',
  projects: 'project',
  qualifications: 'qualification',
  releases: 'release',
  review_protocol_versions: 'review protocol version',
  review_protocols: 'review protocol',
  reviews: 'review',
  revisions: 'revision',
  series: 'series',
  slides: 'slide',
  studies: 'study',
  subject_identities: 'subject identity',
  subjects: 'subject',
  tasks: 'task',
  users: 'user account',
  videos: 'video',
  workflow_agreements: 'agreement record',
  workflow_reviews: 'review',
  workflow_samples: 'agreement sample',
  workflow_settings: 'workflow setting',
  workflow_significant_regions: 'significant region',
  workflow_tasks: 'task',
};

function recordName(err: PgError): string {
  return (err.table && recordNames[err.table]) ?? 'record';
}

function asPgError(e: unknown): PgError | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? (e as PgError) : undefined;
}

/** SQLSTATE of a database error, if it is one. */
export function sqlState(e: unknown): string | undefined {
  return asPgError(e)?.code;
}

export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  const err = asPgError(e);
  return err?.code === '23505' && (constraint === undefined || err.constraint === constraint);
}

/**
 * Maps database errors to DelineateErrors. Triggers raise messages that start with a DLN code;
 * constraint violations and values the database cannot hold become request errors that name the
 * kind of record in domain words: never a constraint, column or row value.
 */
export function translateDbError(e: unknown): unknown {
  if (e instanceof DelineateError) return e;
  const err = asPgError(e);
  if (!err) return e;
  const raised = /^(DLN_[A-Z_]+): (.*)$/s.exec(err.message ?? '');
  if (raised && raised[1] && raised[1] in errorCodes) return new DelineateError(raised[1] as ErrorCode, raised[2] ?? raised[1]);
  switch (err.code) {
    case '23505':
      return new DelineateError('DLN_CONFLICT', `A ${recordName(err)} like this already exists`);
    case '23503':
      return new DelineateError('DLN_NOT_FOUND', `The ${recordName(err)} refers to a record that does not exist, or is still referred to`);
    case '23514':
    case '23502':
    case '22P02':
    case '22003':
      return new DelineateError('DLN_REQUEST_INVALID', `A value of the ${recordName(err)} is not allowed`);
    default:
      // Class 22, data exceptions: a NUL or invalid character, a date out of range, a too-long string.
      if (err.code?.startsWith('22')) return new DelineateError('DLN_REQUEST_INVALID', 'A value cannot be stored: an invalid character, or a date or number out of range');
      return e;
  }
}

/** Runs `fn`, rethrowing database errors as DelineateErrors. */
export async function translated<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw translateDbError(e);
  }
}
