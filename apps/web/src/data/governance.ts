import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { AgreementKind, IdentifiableUse, OrganisationKind, Region, Role } from '@delineate/schema';
import { json, post, put, request } from '../api';

// Organisations and agreements (issue 24): the platform administrator's records, read-only for auditors.

export interface Organisation {
  id: string;
  name: string;
  kind: OrganisationKind;
  createdAt: string;
  members: number;
}

export interface Agreement {
  id: string;
  projectId: string;
  projectName: string;
  organisationId: string;
  organisationName: string;
  kind: AgreementKind;
  parties: string[];
  signedAt: string;
  expiresAt: string | null;
  identifiableUses: IdentifiableUse[];
  regions: Region[];
  renewsId: string | null;
  documentSha256: string | null;
  documentSize: number | null;
  status: 'not_yet_in_force' | 'in_force' | 'expired';
  renewed: boolean;
}

export interface ProjectGovernance {
  projectId: string;
  region: string;
  ownerOrganisationId: string;
  requiredAgreements: AgreementKind[] | null;
  effectiveRequiredAgreements: AgreementKind[];
  admitted: { organisationId: string; name: string; kind: OrganisationKind; roles: Role[]; admittedAt: string }[];
}

export interface ProcessingRecord {
  projectId: string;
  projectName: string;
  controller: { organisationId: string; name: string; kind: OrganisationKind } | null;
  purpose: string;
  legalBasis: string;
  region: string;
  processors: { organisationId: string; name: string; kind: OrganisationKind; roles: string[]; agreements: Agreement[] }[];
  generatedAt: string;
}

export interface NewAgreement {
  projectId: string;
  organisationId: string;
  kind: AgreementKind;
  parties: string[];
  signedAt: string;
  expiresAt: string | null;
  identifiableUses: IdentifiableUse[];
  regions: Region[];
}

const governanceKey = ['governance'] as const;
const keys = {
  organisations: [...governanceKey, 'organisations'] as const,
  agreements: [...governanceKey, 'agreements'] as const,
  expiring: [...governanceKey, 'expiring'] as const,
  project: (projectId: string) => [...governanceKey, 'project', projectId] as const,
  record: (projectId: string) => [...governanceKey, 'record', projectId] as const,
};

function useInvalidateGovernance() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: governanceKey });
}

export const useOrganisations = () =>
  useQuery({ queryKey: keys.organisations, queryFn: () => json<{ organisations: Organisation[]; users: Record<string, string> }>('/api/organisations') });

export const useAgreements = () => useQuery({ queryKey: keys.agreements, queryFn: async () => (await json<{ agreements: Agreement[] }>('/api/agreements')).agreements });

/** Only for those the API answers (platform and project administrators). */
export const useExpiringAgreements = (enabled: boolean) =>
  useQuery({ queryKey: keys.expiring, enabled, queryFn: () => json<{ days: number; agreements: Agreement[] }>('/api/agreements/expiring') });

export const useProjectGovernance = (projectId: string | null) =>
  useQuery({ queryKey: keys.project(projectId ?? ''), enabled: projectId !== null, queryFn: () => json<ProjectGovernance>(`/api/projects/${projectId}/governance`) });

export const useProcessingRecord = (projectId: string) => useQuery({ queryKey: keys.record(projectId), queryFn: () => json<ProcessingRecord>(`/api/projects/${projectId}/processing-record`) });

export function useCreateOrganisation() {
  const invalidate = useInvalidateGovernance();
  return useMutation({ mutationFn: (body: { name: string; kind: OrganisationKind }) => post<Organisation>('/api/organisations', body), onSuccess: invalidate });
}

export function useSetUserOrganisation() {
  const invalidate = useInvalidateGovernance();
  return useMutation({ mutationFn: (body: { userId: string; organisationId: string }) => put<void>(`/api/users/${body.userId}/organisation`, { organisationId: body.organisationId }), onSuccess: invalidate });
}

export function useRecordAgreement() {
  const invalidate = useInvalidateGovernance();
  return useMutation({ mutationFn: (body: NewAgreement) => post<Agreement>('/api/agreements', body), onSuccess: invalidate });
}

export function useRenewAgreement() {
  const invalidate = useInvalidateGovernance();
  return useMutation({
    mutationFn: (body: { agreementId: string; signedAt: string; expiresAt: string | null }) => post<Agreement>(`/api/agreements/${body.agreementId}/renewal`, { signedAt: body.signedAt, expiresAt: body.expiresAt }),
    onSuccess: invalidate,
  });
}

export function useUploadAgreementDocument() {
  const invalidate = useInvalidateGovernance();
  return useMutation({
    mutationFn: async (body: { agreementId: string; file: File }) =>
      json<Agreement>(`/api/agreements/${body.agreementId}/document`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(await body.file.arrayBuffer()) }),
    onSuccess: invalidate,
  });
}

export function useAdmitOrganisation(projectId: string) {
  const invalidate = useInvalidateGovernance();
  return useMutation({ mutationFn: (body: { organisationId: string; roles: Role[] }) => put<void>(`/api/projects/${projectId}/organisations/${body.organisationId}`, { roles: body.roles }), onSuccess: invalidate });
}

export function useWithdrawOrganisation(projectId: string) {
  const invalidate = useInvalidateGovernance();
  return useMutation({ mutationFn: (organisationId: string) => request(`/api/projects/${projectId}/organisations/${organisationId}`, { method: 'DELETE' }), onSuccess: invalidate });
}

export function useUpdateProjectGovernance(projectId: string) {
  const invalidate = useInvalidateGovernance();
  return useMutation({
    mutationFn: (body: { ownerOrganisationId?: string; requiredAgreements?: AgreementKind[] | null }) => put<void>(`/api/projects/${projectId}/governance`, body),
    onSuccess: invalidate,
  });
}
