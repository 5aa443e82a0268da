import { QueryClient } from '@tanstack/react-query';
import { ApiError } from '../api';

/**
 * The one cache of server state for the whole app. Retries only what a retry can fix:
 * network failures and 5xx answers; a 4xx (permission, validation, conflict) is shown at once.
 */
export function createAppQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        retry: (failures, error) => failures < 2 && retryable(error),
        refetchOnWindowFocus: false,
      },
      mutations: { retry: false },
    },
  });
}

/** A lost connection (`DLN_NETWORK`, status 0) or a server failure (5xx); a refusal or a bad answer would only come again. */
function retryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.code === 'DLN_NETWORK' || error.status >= 500;
}
