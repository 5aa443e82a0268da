import { describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import { createAppQueryClient } from './query-client';

describe('the app query client', () => {
  const options = createAppQueryClient().getDefaultOptions();
  const retry = options.queries?.retry as (failures: number, error: unknown) => boolean;

  it('retries a lost connection and a server failure, twice at most', () => {
    const network = new ApiError('DLN_NETWORK', 'The server could not be reached', 0);
    const server = new ApiError('DLN_STORE_UNAVAILABLE', 'unavailable', 503);
    expect([retry(0, network), retry(1, network), retry(2, network)]).toEqual([true, true, false]);
    expect(retry(0, server)).toBe(true);
  });

  it('shows a refusal at once: permission, validation, not found, conflict', () => {
    // A mask that does not decode is found on this computer (status 0) and would not decode on a second try either.
    for (const [code, status] of [['DLN_AUTH_FORBIDDEN', 403], ['DLN_NOT_FOUND', 404], ['DLN_CONFLICT', 409], ['DLN_AUTH_REQUIRED', 401], ['DLN_REVISION_MASK_INVALID', 0]] as const) {
      expect(retry(0, new ApiError(code, 'refused', status))).toBe(false);
    }
  });

  it('never retries a change', () => {
    expect(options.mutations?.retry).toBe(false);
  });
});
