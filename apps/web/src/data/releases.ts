import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Release, ReleaseBuildRequest, ReleaseExport, ReleasePreview, ReleaseVerification } from '@delineate/schema';
import { json, post } from '../api';

export interface ReleaseSummary {
  id: string;
  name: string;
  status: 'draft' | 'frozen';
  manifestHash: string | null;
  items: number;
  excluded: number;
  documents: number;
  createdAt: string;
  frozenAt: string | null;
}

export interface ReleaseExports {
  formats: { key: string; title: string }[];
  exports: ReleaseExport[];
}

const base = (projectId: string) => `/api/projects/${projectId}/releases`;
export const releaseKeys = {
  list: (projectId: string) => ['releases', projectId] as const,
  one: (releaseId: string) => ['release', releaseId] as const,
  exports: (releaseId: string) => ['release-exports', releaseId] as const,
};

/** Where the browser downloads a finished export's archive. */
export const exportDownloadUrl = (releaseId: string, exportId: string) => `/api/releases/${releaseId}/exports/${exportId}/download`;

/** Where the browser reads one of a frozen release's documents, recorded as `kind.format` (e.g. `qa_results.pdf`). */
export const documentUrl = (releaseId: string, file: string) => `/api/releases/${releaseId}/documents/${file}`;

export function useReleases(projectId: string) {
  return useQuery({ queryKey: releaseKeys.list(projectId), queryFn: () => json<{ releases: ReleaseSummary[] }>(base(projectId)).then((r) => r.releases) });
}

export function useRelease(projectId: string, releaseId: string | null) {
  return useQuery({ queryKey: releaseKeys.one(releaseId ?? ''), enabled: releaseId !== null, queryFn: () => json<Release>(`${base(projectId)}/${releaseId}`) });
}

/** Exports and their progress; polled while one is queued or running. */
export function useReleaseExports(projectId: string, releaseId: string | null, enabled: boolean) {
  return useQuery({
    queryKey: releaseKeys.exports(releaseId ?? ''),
    enabled: enabled && releaseId !== null,
    queryFn: () => json<ReleaseExports>(`${base(projectId)}/${releaseId}/exports`),
    refetchInterval: (query) => (query.state.data?.exports.some((e) => e.status === 'queued' || e.status === 'running') ? 1000 : false),
  });
}

export function usePreviewRelease(projectId: string) {
  return useMutation({ mutationFn: (request: ReleaseBuildRequest) => post<ReleasePreview>(`${base(projectId)}/preview`, request) });
}

export function useBuildRelease(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (request: ReleaseBuildRequest) => post<Release>(base(projectId), request),
    onSuccess: () => client.invalidateQueries({ queryKey: releaseKeys.list(projectId) }),
  });
}

export function useFreezeRelease(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (releaseId: string) => post<Release>(`${base(projectId)}/${releaseId}/freeze`),
    onSuccess: (release) => {
      client.setQueryData(releaseKeys.one(release.id), release);
      return client.invalidateQueries({ queryKey: releaseKeys.list(projectId) });
    },
  });
}

export function useExportRelease(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ releaseId, format }: { releaseId: string; format: string }) => post<ReleaseExport>(`${base(projectId)}/${releaseId}/exports`, { format }),
    onSuccess: (e) => client.invalidateQueries({ queryKey: releaseKeys.exports(e.releaseId) }),
  });
}

export function useVerifyRelease(projectId: string) {
  return useMutation({ mutationFn: (releaseId: string) => post<ReleaseVerification>(`${base(projectId)}/${releaseId}/verify`) });
}
