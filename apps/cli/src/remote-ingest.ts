import { getString, readDicomFile } from '@delineate/formats';

const SERIES_INSTANCE_UID = 0x0020000e;

/** Well under the server's default body limit (DELINEATE_MAX_MASK_BYTES, 256 MiB). */
export const REMOTE_BATCH_BYTES = 64 * 1024 * 1024;

function seriesOf(bytes: Uint8Array): string | undefined {
  try {
    return getString(readDicomFile(bytes).dataset, SERIES_INSTANCE_UID)?.trim() || undefined;
  } catch {
    // Unreadable here, unreadable at the gate too: it travels on its own and is rejected there.
    return undefined;
  }
}

/**
 * Cuts a folder into requests for the server's ingest route, never splitting a series (the gate
 * builds a series' volume from all of its slices in one batch): whole series are packed, in
 * input order, into requests of at most `maxBytes`; a series larger than that goes alone.
 * Returns the input positions of each request's files.
 */
export function planRemoteBatches(files: readonly Uint8Array[], maxBytes = REMOTE_BATCH_BYTES): number[][] {
  const groups = new Map<string, number[]>();
  files.forEach((bytes, index) => {
    const key = seriesOf(bytes) ?? `file:${index}`;
    const group = groups.get(key) ?? [];
    group.push(index);
    groups.set(key, group);
  });
  const size = (indices: readonly number[]) => indices.reduce((sum, i) => sum + 4 + files[i]!.length, 0);
  const batches: number[][] = [];
  let current: number[] = [];
  for (const group of groups.values()) {
    if (current.length > 0 && size(current) + size(group) > maxBytes) {
      batches.push(current);
      current = [];
    }
    current = [...current, ...group];
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

// The merge lives beside the batch split it serves (the worker's ingestBatch); the CLI merges remote batches with it too.
export { mergeIngestReports } from '@delineate/worker';
