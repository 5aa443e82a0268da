import { DelineateError, errorCodes, type ErrorCode } from '@delineate/schema';

/** PostgreSQL error fields both drivers expose (pg's and PGlite's DatabaseError). */
interface PgError {
  code?: string;
  message?: string;
  constraint?: string;
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
 * constraint violations become request errors naming the constraint (never row values).
 */
export function translateDbError(e: unknown): unknown {
  if (e instanceof DelineateError) return e;
  const err = asPgError(e);
  if (!err) return e;
  const raised = /^(DLN_[A-Z_]+): (.*)$/s.exec(err.message ?? '');
  if (raised && raised[1] && raised[1] in errorCodes) return new DelineateError(raised[1] as ErrorCode, raised[2] ?? raised[1]);
  const where = err.constraint ? ` (${err.constraint})` : '';
  switch (err.code) {
    case '23505':
      return new DelineateError('DLN_CONFLICT', `Already exists${where}`);
    case '23503':
      return new DelineateError('DLN_NOT_FOUND', `A referenced record does not exist${where}`);
    case '23514':
    case '23502':
    case '22P02':
    case '22003':
      return new DelineateError('DLN_REQUEST_INVALID', `Rejected by the database${where}`);
    default:
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
