import { useQuery } from '@tanstack/react-query';
import type { UploadBatchStatus } from '@delineate/schema';
import { json } from '../api';

export const uploadKeys = { batch: (batchId: string) => ['upload-batch', batchId] as const };

/** A batch's files and counts, polled each second until the gate has answered for every file. */
export function useUploadBatch(batchId: string | null) {
  return useQuery({
    queryKey: uploadKeys.batch(batchId ?? ''),
    enabled: batchId !== null,
    queryFn: () => json<UploadBatchStatus>(`/api/upload-batches/${batchId}`),
    refetchInterval: (query) => (query.state.data?.finished ? false : 1000),
  });
}
