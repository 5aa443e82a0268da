import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CreateProjectRequest, Role } from '@delineate/schema';
import { json, post, request } from '../api';
import { keys } from './keys';

// The platform administrator's page: accounts, qualifications, projects, roles and regions.

export interface UserAccount {
  id: string;
  username: string;
  displayName: string;
  disabled: boolean;
  platformAdmin: boolean;
  createdAt: string;
}

export interface Qualification {
  id: string;
  kind: string;
  modality: string | null;
  validUntil: string | null;
}

export interface Membership {
  id: string;
  userId: string;
  role: Role;
  createdAt: string;
}

export interface Regions {
  regions: string[];
  storage: { database: string; blobStores: string[] };
  projects: { id: string; name: string; region: string }[];
}

export const useUsers = () => useQuery({ queryKey: keys.admin.users, queryFn: async () => (await json<{ users: UserAccount[] }>('/api/users')).users });

export const useQualifications = (userId: string | null) =>
  useQuery({
    queryKey: keys.admin.qualifications(userId ?? ''),
    enabled: userId !== null,
    queryFn: async () => (await json<{ qualifications: Qualification[] }>(`/api/users/${userId}/qualifications`)).qualifications,
  });

export const useMemberships = (projectId: string | null) =>
  useQuery({
    queryKey: keys.admin.memberships(projectId ?? ''),
    enabled: projectId !== null,
    queryFn: async () => (await json<{ memberships: Membership[] }>(`/api/projects/${projectId}/memberships`)).memberships,
  });

export const useRegions = () => useQuery({ queryKey: keys.admin.regions, queryFn: () => json<Regions>('/api/regions') });

export const useDocumentVersions = () =>
  useQuery({
    queryKey: keys.admin.documents,
    queryFn: async () => {
      const [schemas, protocols] = await Promise.all([
        json<{ labelSchemas: { id: string; name: string; version: number }[] }>('/api/label-schemas'),
        json<{ reviewProtocols: { id: string; name: string; version: number }[] }>('/api/review-protocols'),
      ]);
      return { labelSchemas: schemas.labelSchemas, reviewProtocols: protocols.reviewProtocols };
    },
  });

export function useCreateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { username: string; displayName: string; password: string }) => post<UserAccount>('/api/users', body),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.admin.users }),
  });
}

export function useSetDisabled() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ userId, disabled }: { userId: string; disabled: boolean }) => post<void>(`/api/users/${userId}/${disabled ? 'disable' : 'enable'}`),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.admin.users }),
  });
}

/** The audited reset: the administrator's own password again first (the server asks for a recent one), then the reset. */
export function useResetSecondFactor() {
  return useMutation({
    mutationFn: async ({ userId, password }: { userId: string; password: string }) => {
      await post<void>('/api/auth/reauthenticate', { password });
      await post<void>(`/api/users/${userId}/mfa/reset`);
    },
  });
}

export function useGrantQualification(userId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { kind: string; modality: string | null; validUntil: string | null }) => post<Qualification>(`/api/users/${userId}/qualifications`, body),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.admin.qualifications(userId) }),
  });
}

export function useRevokeQualification(userId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (qualificationId: string) => request(`/api/qualifications/${qualificationId}`, { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.admin.qualifications(userId) }),
  });
}

export function useGrantRole(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { userId: string; role: Role }) => post<Membership>(`/api/projects/${projectId}/memberships`, body),
    onSuccess: () => Promise.all([client.invalidateQueries({ queryKey: keys.admin.memberships(projectId) }), client.invalidateQueries({ queryKey: keys.project(projectId).all })]),
  });
}

export function useRevokeRole(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (membershipId: string) => request(`/api/memberships/${membershipId}`, { method: 'DELETE' }),
    onSuccess: () => Promise.all([client.invalidateQueries({ queryKey: keys.admin.memberships(projectId) }), client.invalidateQueries({ queryKey: keys.project(projectId).all })]),
  });
}

export function useCreateProject() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateProjectRequest) => post<{ id: string; name: string }>('/api/projects', body),
    onSuccess: () => Promise.all([client.invalidateQueries({ queryKey: keys.projects() }), client.invalidateQueries({ queryKey: keys.admin.regions })]),
  });
}
