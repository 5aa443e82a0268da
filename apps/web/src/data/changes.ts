import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { staleAfter, type Change } from './keys';

/** Marks what a change made stale; the queries on screen refetch, the others on their next use. */
export function useApplyChange(): (change: Change) => Promise<void> {
  const client = useQueryClient();
  return useCallback(async (change: Change) => {
    await Promise.all(staleAfter(change).map((queryKey) => client.invalidateQueries({ queryKey })));
  }, [client]);
}
