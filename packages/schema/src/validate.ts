import type { z } from 'zod';
import { DelineateError, type ErrorCode } from './errors';

/**
 * Parses `value` with `schema` or throws a DelineateError naming the failing paths.
 * The message lists paths and zod's messages only, never the offending values (no PHI).
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, code: ErrorCode = 'DLN_REQUEST_INVALID'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
  throw new DelineateError(code, `Invalid input: ${issues}`);
}
