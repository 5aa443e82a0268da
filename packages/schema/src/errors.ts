/**
 * Stable error codes (`DLN_<AREA>_<WHAT>`) with their HTTP status. The edges throw
 * {@link DelineateError}; the core returns results. Messages never carry PHI: they name
 * what went wrong, never the value that was wrong.
 */
export const errorCodes = {
  DLN_REQUEST_INVALID: 400,
  DLN_REQUEST_UNSUPPORTED_MEDIA: 415,
  DLN_REQUEST_TOO_LARGE: 413,
  DLN_AUTH_REQUIRED: 401,
  DLN_AUTH_FORBIDDEN: 403,
  DLN_NOT_FOUND: 404,
  DLN_ROUTE_NOT_FOUND: 404,
  DLN_CONFLICT: 409,
  DLN_REVISION_STALE: 412,
  DLN_REVISION_PRECONDITION_REQUIRED: 428,
  DLN_REVISION_MASK_INVALID: 422,
  DLN_IDEMPOTENCY_MISMATCH: 422,
  DLN_SCHEMA_IMMUTABLE: 409,
  DLN_SCHEMA_INVALID: 422,
  DLN_BLOB_NOT_FOUND: 404,
  DLN_BLOB_CORRUPT: 500,
  DLN_BLOB_KEY_INVALID: 500,
  DLN_STORE_UNAVAILABLE: 503,
  DLN_CONFIG_INVALID: 500,
  DLN_REGION_MISMATCH: 409,
  DLN_NIFTI_INVALID: 422,
  DLN_NIFTI_UNSUPPORTED: 415,
  DLN_DICOM_INVALID: 422,
  DLN_DICOM_UNSUPPORTED: 415,
  DLN_DEID_QUARANTINED: 409,
  DLN_DEID_FAILED: 422,
  DLN_METRICS_SHAPE_MISMATCH: 422,
  DLN_INTERNAL: 500,
  DLN_AUTH_INVALID_CREDENTIALS: 401,
  DLN_AUTH_RATE_LIMITED: 429,
  DLN_AUTH_MFA_REQUIRED: 403,
  DLN_AUTH_REAUTH_REQUIRED: 401,
  DLN_AUTH_NOT_FOUND: 404,
  DLN_AUDIT_CHAIN_BROKEN: 500,
  DLN_REVISION_IMMUTABLE: 409,
  DLN_RELEASE_FROZEN: 409,
  DLN_AUDIT_CHECKPOINT_MISSING: 500,
  DLN_AUDIT_CHECKPOINT_INVALID: 500,
  DLN_AUDIT_ANCHOR_MISMATCH: 500,
  DLN_AUDIT_ANCHOR_UNAVAILABLE: 503,
  DLN_AUDIT_UNANCHORED: 500,
  DLN_CLI_USAGE: 400,
  DLN_REQUEST_TIMEOUT: 408,
  DLN_REVISION_LABEL_UNDEFINED: 422,
  DLN_INGEST_TRANSFER_SYNTAX: 422,
  DLN_INGEST_PIXEL_LENGTH: 422,
  DLN_INGEST_NOT_AN_INSTANCE: 422,
  DLN_INGEST_DUPLICATE: 409,
  DLN_INGEST_CONFLICT: 409,
  DLN_ITEM_GEOMETRY_TOO_LARGE: 422,
  DLN_DICOM_TOO_LARGE: 413,
  DLN_NIFTI_TOO_LARGE: 413,
  DLN_AUTH_CODE_INVALID: 401,
  DLN_AUTH_PASSWORD_INVALID: 401,
  DLN_AUTH_PASSWORD_WEAK: 400,
  DLN_BREAK_GLASS_NOT_ELIGIBLE: 403,
  DLN_ZARR_GEOMETRY_INVALID: 422,
  DLN_ZARR_CHUNK_INVALID: 422,
  DLN_ZARR_LABEL_UNDEFINED: 422,
  DLN_ZARR_TARGET_EXISTS: 409,
  DLN_TOKEN_INVALID: 401,
  DLN_TOKEN_EXPIRED: 401,
  DLN_TOKEN_REVOKED: 401,
  DLN_TOKEN_SCOPE: 403,
  DLN_TOKEN_NOT_ACCEPTED: 403,
  DLN_INGEST_MODALITY: 422,
  DLN_INGEST_UNAVAILABLE: 503,
  DLN_CLI_SERVER_RUNNING: 409,
  DLN_CLI_SERVER_UNREACHABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class DelineateError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra machine-readable fields sent with the error body (never PHI). */
  readonly details: Readonly<Record<string, string | number | boolean | null>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, string | number | boolean | null>) {
    super(message);
    this.name = 'DelineateError';
    this.code = code;
    this.status = errorCodes[code];
    this.details = details;
  }
}

export function isDelineateError(value: unknown): value is DelineateError {
  return value instanceof DelineateError;
}

/** Exhaustiveness guard for switches over closed vocabularies. */
export function exhaustiveSwitchError(value: never): never {
  throw new DelineateError('DLN_INTERNAL', `Unhandled case: ${String(value)}`);
}
