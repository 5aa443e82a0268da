import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { json, post, put } from '../api';

/** The project's PACS connection as the server shows it: never the password, only whether one is stored. */
export type PacsConnection =
  | { configured: false }
  | { configured: true; baseUrl: string; username: string | null; hasPassword: boolean; timeoutMs: number; maxInstanceBytes: number; updatedAt: string };

export interface PacsConnectionInput {
  baseUrl: string;
  username: string | null;
  /** Omitted: keep the stored password. */
  password?: string | null;
  timeoutMs: number;
  maxInstanceBytes: number;
}

export interface PacsSearch {
  level: 'studies' | 'series';
  patientId?: string;
  accessionNumber?: string;
  modality?: string;
  studyDateFrom?: string;
  studyDateTo?: string;
  studyDescription?: string;
  studyInstanceUid?: string;
}

export interface PacsMatch {
  studyInstanceUid: string;
  seriesInstanceUid: string | null;
  patientId: string | null;
  patientName: string | null;
  accessionNumber: string | null;
  studyDate: string | null;
  studyDescription: string | null;
  seriesDescription: string | null;
  modalities: string[];
  seriesNumber: number | null;
  instances: number | null;
}

export interface PacsRetrieval {
  id: string;
  status: 'running' | 'succeeded' | 'failed';
  targets: number;
  targetsDone: number;
  received: number;
  passed: number;
  quarantined: number;
  rejected: number;
  duplicates: number;
  itemIds: string[];
  errorCode: string | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface PacsSend {
  id: string;
  source: 'release' | 'revision';
  /** The revision sent (an accepted revision's send). */
  revisionVersion: number | null;
  instances: number;
  status: 'stored' | 'partial' | 'failed';
  httpStatus: number | null;
  stored: number;
  failed: number;
  errorCode: string | null;
  createdAt: string;
}

export type PacsSendRequest = { source: 'release'; releaseId: string; exportId: string } | { source: 'revision'; annotationId: string; version?: number };

const base = (projectId: string) => `/api/projects/${projectId}/dicomweb`;
export const pacsKeys = {
  connection: (projectId: string) => ['pacs-connection', projectId] as const,
  retrievals: (projectId: string) => ['pacs-retrievals', projectId] as const,
  sends: (projectId: string) => ['pacs-sends', projectId] as const,
};

/** The fields of a search form with the empty ones left out (an empty field matches anything). */
export function searchRequest(form: PacsSearch): PacsSearch {
  const out: PacsSearch = { level: form.level };
  for (const key of ['patientId', 'accessionNumber', 'modality', 'studyDateFrom', 'studyDateTo', 'studyDescription', 'studyInstanceUid'] as const) {
    const value = form[key]?.trim();
    if (value) out[key] = value;
  }
  return out;
}

/** A retrieval's progress in words: how far it is and what the gate made of what arrived. */
export function retrievalProgressWords(r: PacsRetrieval): string {
  const where = r.status === 'running' ? `${r.targetsDone} of ${r.targets} done, ${r.received} images received` : r.status === 'succeeded' ? `finished: ${r.received} images received` : `stopped after ${r.targetsDone} of ${r.targets}`;
  return `${where}; ${r.passed} passed, ${r.quarantined} quarantined, ${r.rejected} rejected${r.duplicates ? `, ${r.duplicates} already here` : ''}`;
}

export function usePacsConnection(projectId: string) {
  return useQuery({ queryKey: pacsKeys.connection(projectId), queryFn: () => json<PacsConnection>(`${base(projectId)}/connection`) });
}

export function useSavePacsConnection(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: PacsConnectionInput) => put<PacsConnection>(`${base(projectId)}/connection`, input),
    onSuccess: (saved) => client.setQueryData(pacsKeys.connection(projectId), saved),
  });
}

export function usePacsSearch(projectId: string) {
  return useMutation({ mutationFn: (search: PacsSearch) => post<{ matches: PacsMatch[] }>(`${base(projectId)}/search`, searchRequest(search)).then((r) => r.matches) });
}

/** The latest retrievals; polled while one runs. */
export function usePacsRetrievals(projectId: string) {
  return useQuery({
    queryKey: pacsKeys.retrievals(projectId),
    queryFn: () => json<{ retrievals: PacsRetrieval[] }>(`${base(projectId)}/retrievals`).then((r) => r.retrievals),
    refetchInterval: (query) => (query.state.data?.some((r) => r.status === 'running') ? 1000 : false),
  });
}

export function useStartRetrieval(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (targets: Array<{ studyInstanceUid: string; seriesInstanceUid?: string }>) => post<PacsRetrieval>(`${base(projectId)}/retrievals`, { targets }),
    onSuccess: () => client.invalidateQueries({ queryKey: pacsKeys.retrievals(projectId) }),
  });
}

export function usePacsSends(projectId: string, enabled = true) {
  return useQuery({ queryKey: pacsKeys.sends(projectId), enabled, queryFn: () => json<{ sends: PacsSend[] }>(`${base(projectId)}/sends`).then((r) => r.sends) });
}

export function useSendToPacs(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (request: PacsSendRequest) => post<PacsSend>(`${base(projectId)}/sends`, request),
    onSettled: () => client.invalidateQueries({ queryKey: pacsKeys.sends(projectId) }),
  });
}
