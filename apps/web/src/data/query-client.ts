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
        retry: (failures, error) => failures < 2 && !(error instanceof ApiError && error.status < 500),
        refetchOnWindowFocus: false,
      },
      mutations: { retry: false },
    },
  });
}
