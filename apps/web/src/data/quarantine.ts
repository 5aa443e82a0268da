import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { RedactionRegion } from '@delineate/schema';
import { json, post } from '../api';
import type { StewardFinding } from '../pages/quarantine-words';
import { useApplyChange } from './changes';
import { keys } from './keys';

/** A held file in a steward's queue (GET /api/quarantine, /api/projects/:id/quarantine). */
export interface QuarantinedFile {
  id: string;
  projectId: string;
  projectName: string;
  findings: StewardFinding[];
  createdAt: string;
  hasView: boolean;
  batch: { id: string; startedAt: string; files: number } | null;
  state: 'held' | 'releasing';
}

export type GateCheckState = 'queued' | 'running' | 'passes' | 'fails' | 'failed';

export interface QuarantineRecord {
  id: string;
  projectId: string;
  file: QuarantinedFile | null;
  status: 'held' | 'rejected' | 'releasing' | 'released' | 'release-failed';
  findings: StewardFinding[];
  createdAt: string;
  image: { rows: number; columns: number; frames: number; modality: string | null } | null;
  /** A held video: decoded frames and their times, played from its playable copy. */
  video: HeldVideo | null;
  latestCheck: { id: string; regions: RedactionRegion[]; state: GateCheckState; findings: StewardFinding[]; createdAt: string; finishedAt: string | null } | null;
  decision: { decision: 'released' | 'rejected'; note: string; decidedAt: string; itemId: string | null } | null;
}

export interface HeldVideo {
  width: number;
  height: number;
  frames: number;
  frameTimes: number[];
  framesPerSecond: number | null;
  source: 'file' | 'dicom';
}

/** Where the browser plays a held video (its playable copy; burned-in text shows). */
export const heldVideoUrl = (recordId: string) => `/api/deid-records/${recordId}/video.mp4`;

/** Where the browser reads one frame of a held file (a PNG; the only place burned-in text shows). */
export const frameUrl = (recordId: string, frame: number) => `/api/deid-records/${recordId}/frames/${frame}`;

export function useMyQuarantine() {
  return useQuery({ queryKey: keys.quarantine.mine(), queryFn: () => json<{ files: QuarantinedFile[]; projects: number }>('/api/quarantine') });
}

export function useProjectQuarantine(projectId: string) {
  return useQuery({ queryKey: keys.quarantine.project(projectId), queryFn: () => json<QuarantinedFile[]>(`/api/projects/${projectId}/quarantine`) });
}

const busy = (r: QuarantineRecord | undefined) => r?.status === 'releasing' || r?.latestCheck?.state === 'queued' || r?.latestCheck?.state === 'running';

/**
 * One held file; polled while its gate trial or its release runs. When its state moves (a release
 * finished), the queues that list it are refetched too.
 */
export function useQuarantineRecord(recordId: string) {
  const client = useQueryClient();
  const key = keys.quarantine.record(recordId);
  return useQuery({
    queryKey: key,
    queryFn: async () => {
      const before = client.getQueryData<QuarantineRecord>(key);
      const record = await json<QuarantineRecord>(`/api/deid-records/${recordId}`);
      if (before && before.status !== record.status) {
        await Promise.all([client.invalidateQueries({ queryKey: keys.quarantine.mine() }), client.invalidateQueries({ queryKey: ['quarantine', 'project'] })]);
      }
      return record;
    },
    refetchInterval: (query) => (busy(query.state.data) ? 1000 : false),
  });
}

/** Every change to a held file moves the queues too (its state, or its leaving them). */
function useRecordMutation<I>(recordId: string, send: (input: I) => Promise<unknown>) {
  const applyChange = useApplyChange();
  return useMutation({ mutationFn: send, onSuccess: () => applyChange({ kind: 'quarantine-changed', recordId }) });
}

export function useRunGate(recordId: string) {
  return useRecordMutation(recordId, (regions: RedactionRegion[]) => post<{ checkId: string; jobId: string }>(`/api/deid-records/${recordId}/gate-checks`, { regions }));
}

export function useReleaseFile(recordId: string) {
  return useRecordMutation(recordId, (note: string) => post<{ jobId: string }>(`/api/deid-records/${recordId}/release`, note.trim() ? { note } : {}));
}

export function useRejectFile(recordId: string) {
  return useRecordMutation(recordId, (note: string) => post<{ id: string }>(`/api/deid-records/${recordId}/reject`, { note }));
}
