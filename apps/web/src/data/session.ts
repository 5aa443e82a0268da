import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api, ApiError, type Session } from '../api';
import { keys } from './keys';

/** The signed-in session, or null when nobody is signed in (the server answers 4xx). */
export function useSession() {
  return useQuery({
    queryKey: keys.session(),
    queryFn: async (): Promise<Session | null> => {
      try {
        return await api.session();
      } catch (e) {
        if (e instanceof ApiError && e.status >= 400 && e.status < 500) return null;
        throw e;
      }
    },
    // The session changes only by signing in or out, which set it here.
    staleTime: Infinity,
  });
}

/** Asks the server again, after a sign-in step. */
export function useRefreshSession(): () => Promise<void> {
  const client = useQueryClient();
  return useCallback(async () => {
    // A finished enrolment's key is not kept in memory longer than needed.
    client.removeQueries({ queryKey: keys.totpEnrolment() });
    await client.invalidateQueries({ queryKey: keys.session() });
  }, [client]);
}

/** Signs out and forgets every cached answer, so the next person signing in on this computer sees none of it. */
export function useSignOut(): () => Promise<void> {
  const client = useQueryClient();
  return useCallback(async () => {
    try {
      await api.logout();
    } finally {
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== keys.session()[0] });
      client.setQueryData(keys.session(), null);
    }
  }, [client]);
}

/** The session of a page inside the signed-in layout, which renders pages only once there is one. */
export function useSignedInSession(): Session {
  const { data } = useSession();
  if (!data) throw new Error('A page rendered outside the signed-in layout');
  return data;
}
