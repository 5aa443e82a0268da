import { DelineateError, isDelineateError } from '@delineate/schema';
import type { DicomwebRepository, DicomwebRetrieval } from '@delineate/store';
import type { IngestRunner } from '../routes/ingest';
import type { DicomwebClient, RetrieveTarget } from './client';

/** The counts of one gate batch (the ingest report's summary; files and reasons stay in the report). */
interface BatchOutcome {
  passed: number;
  quarantined: number;
  rejected: number;
  duplicates: number;
  items: Array<{ itemId: string }>;
}

function outcomeOf(report: object): BatchOutcome {
  const r = report as Partial<BatchOutcome>;
  return { passed: r.passed ?? 0, quarantined: r.quarantined ?? 0, rejected: r.rejected ?? 0, duplicates: r.duplicates ?? 0, items: r.items ?? [] };
}

/** How often progress is written while instances arrive (a row update per instance would dominate). */
const progressEvery = 16;

/**
 * Runs retrievals in this process: per target (a study or a series) its instances arrive over
 * WADO-RS and go through the ingest gate as one batch (the gate assembles a series from all of
 * its slices), one target at a time, with progress in the retrieval's row. Source UIDs live only
 * in memory while the retrieval runs.
 */
export class RetrievalRunner {
  readonly #running = new Set<Promise<unknown>>();

  constructor(
    private readonly repository: DicomwebRepository,
    private readonly ingest: IngestRunner | undefined,
  ) {}

  async start(input: { projectId: string; requestedBy: string | null; client: DicomwebClient; targets: readonly RetrieveTarget[] }): Promise<DicomwebRetrieval> {
    const ingest = this.ingest;
    if (!ingest) throw new DelineateError('DLN_INGEST_UNAVAILABLE', 'This server runs no ingest gate (start it with `delineate start`)');
    const retrieval = await this.repository.startRetrieval({ projectId: input.projectId, requestedBy: input.requestedBy, targets: input.targets.length });
    // #run records its own failures; one left (the database gone at shutdown) has nowhere to go.
    const work = this.#run(retrieval.id, input, ingest)
      .catch(() => undefined)
      .finally(() => this.#running.delete(work));
    this.#running.add(work);
    return retrieval;
  }

  /** Resolves when every retrieval started so far has ended (server close, tests). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#running]);
  }

  async #run(id: string, input: { projectId: string; client: DicomwebClient; targets: readonly RetrieveTarget[] }, ingest: IngestRunner): Promise<void> {
    const totals = { passed: 0, quarantined: 0, rejected: 0, duplicates: 0, received: 0, itemIds: [] as string[] };
    try {
      for (const [index, target] of input.targets.entries()) {
        const files: Uint8Array[] = [];
        for await (const instance of input.client.retrieve(target)) {
          files.push(instance);
          totals.received++;
          if (totals.received % progressEvery === 0) await this.repository.recordProgress(id, { received: totals.received });
        }
        await this.repository.recordProgress(id, { received: totals.received });
        if (files.length > 0) {
          const outcome = outcomeOf(await ingest({ projectId: input.projectId, files }));
          totals.passed += outcome.passed;
          totals.quarantined += outcome.quarantined;
          totals.rejected += outcome.rejected;
          totals.duplicates += outcome.duplicates;
          for (const item of outcome.items) if (!totals.itemIds.includes(item.itemId)) totals.itemIds.push(item.itemId);
        }
        const { received: _received, ...counts } = totals;
        await this.repository.recordProgress(id, { ...counts, targetsDone: index + 1 });
      }
      await this.repository.finishRetrieval(id, { status: 'succeeded' });
    } catch (error) {
      // The code and message only: neither ever carries a value from the PACS.
      const coded = isDelineateError(error) ? error : new DelineateError('DLN_INTERNAL', 'The retrieval failed');
      await this.repository.finishRetrieval(id, { status: 'failed', errorCode: coded.code, error: coded.message });
    }
  }
}
