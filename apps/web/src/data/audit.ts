import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { json, post } from '../api';
import { keys } from './keys';

// The auditor's pages: the audit log, one event, the chain's verification and access reviews.

export interface AuditFilter {
  actor?: string;
  action?: string;
  objectType?: string;
  objectId?: string;
  projectId?: string;
  /** ISO times. */
  from?: string;
  to?: string;
  outcome?: 'success' | 'denied' | 'error';
}

export interface AuditEvent {
  sequence: number;
  time: string;
  actorId: string | null;
  actorUsername: string | null;
  actorDisplayName: string | null;
  role: string | null;
  sessionId: string | null;
  address: string | null;
  action: string;
  objectType: string;
  objectId: string | null;
  projectId: string | null;
  subjectPseudonym: string | null;
  purpose: string | null;
  outcome: 'success' | 'denied' | 'error';
  count: number;
  previousHash: string | null;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  rowsChecked: number;
  lastSequence: number;
  checkpointsChecked: number;
  firstBadSequence?: number;
  code?: string;
  reason?: string;
  unanchoredRows?: number;
  keyFingerprint: string | null;
  anchor: string | null;
  lastCheckpoint: { sequence: number; time: string } | null;
  verifiedAt: string;
}

/** The filter as the server's query string, set fields only, in a fixed order (so equal filters share a cache entry). */
export function auditQuery(filter: AuditFilter, extra: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filter, ...extra }).sort(([a], [b]) => a.localeCompare(b))) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  return params.toString();
}

export const auditExportUrl = (filter: AuditFilter, format: 'fhir' | 'dicom') => `/api/audit/events/export?${auditQuery(filter, { format })}`;

export function useAuditEvents(filter: AuditFilter, before: number | undefined) {
  const query = auditQuery(filter, { before, limit: 50 });
  return useQuery({
    queryKey: keys.audit.events(query),
    queryFn: () => json<{ events: AuditEvent[]; nextBefore: number | null }>(`/api/audit/events?${query}`),
    // The previous page stays on screen while the next loads.
    placeholderData: keepPreviousData,
  });
}

export function useAuditEvent(sequence: number | null) {
  return useQuery({
    queryKey: keys.audit.event(sequence ?? 0),
    enabled: sequence !== null,
    queryFn: () => json<AuditEvent>(`/api/audit/events/${sequence}`),
  });
}

/** Recomputes the whole chain on the server: asked for, not polled. */
export function useVerifyAuditChain() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => json<AuditVerification>('/api/audit/verify'),
    onSuccess: (result) => client.setQueryData(keys.audit.verification, result),
  });
}

export interface AccessReviewView {
  projectId: string;
  periodStart: string;
  periodEnd: string;
  lastReviewAt: string | null;
  overdue: boolean;
  canSignOff: boolean;
  members: {
    userId: string;
    username: string;
    displayName: string;
    disabled: boolean;
    grants: { membershipId: string; role: string; grantedAt: string; lastDecision: { decision: 'attest' | 'revoke'; decidedAt: string } | null }[];
    qualifications: { kind: string; modality: string | null; validUntil: string | null; expired: boolean }[];
    lastAccess: string | null;
    accessesInPeriod: number;
    organisation: { id: string; name: string; kind: string } | null;
    agreementStatus: string;
    agreementKind: string | null;
  }[];
}

export const useAccessReview = (projectId: string) =>
  useQuery({ queryKey: keys.accessReview(projectId), queryFn: () => json<AccessReviewView>(`/api/projects/${projectId}/access-review`) });

export function useSignOffAccessReview(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (decisions: { membershipId: string; decision: 'attest' | 'revoke' }[]) =>
      post<{ reviewId: string; revoked: string[] }>(`/api/projects/${projectId}/access-review/attestations`, { decisions }),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.project(projectId).all }),
  });
}
