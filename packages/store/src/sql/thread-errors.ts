/**
 * An error as it crosses between threads: its message, name and own fields (a PostgreSQL code
 * and constraint, a DLN_ code and status), so the receiving side can tell errors apart as if
 * they had been thrown there. Structured clone alone would keep the message and drop the fields.
 */
export interface ThreadError {
  readonly message: string;
  readonly name: string;
  readonly fields: Record<string, unknown>;
}

export function toThreadError(error: unknown): ThreadError {
  if (!(error instanceof Error)) return { message: String(error), name: 'Error', fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === null || ['string', 'number', 'boolean', 'bigint'].includes(typeof value)) fields[key] = value;
  }
  return { message: error.message, name: error.name, fields };
}

export function fromThreadError(error: ThreadError): Error {
  const rebuilt = Object.assign(new Error(error.message), error.fields);
  rebuilt.name = error.name;
  return rebuilt;
}
