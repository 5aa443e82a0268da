import { getString, readDicomFile, tag } from '@delineate/formats';
import { DelineateError, isDelineateError, type Job, type Region } from '@delineate/schema';
import {
  instanceHash,
  JobQueue,
  openRetrievalTargets,
  ProjectRepository,
  RetrievalStaging,
  sealRetrievalTargets,
  withTransaction,
  type BlobKey,
  type Database,
  type DicomwebRetrieval,
  DicomwebRepository,
} from '@delineate/store';
import type { IngestRunner } from '../routes/ingest';
import type { DicomwebClient, RetrieveTarget } from './client';
import type { ReadMeter } from './multipart';

/** The job kind of a retrieval: its payload holds the retrieval id and the targets, sealed. */
export const DICOMWEB_RETRIEVE_JOB = 'dicomweb.retrieve';

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
const SOP_INSTANCE_UID = tag(0x0008, 0x0018);
const MEDIA_SOP_INSTANCE_UID = tag(0x0002, 0x0003);

/** Thrown inside a run that {@link RetrievalRunner.stop} ended: the job is left for the next runner. */
class Stopped extends Error {}

export interface RetrievalRunnerDeps {
  readonly database: Database;
  readonly repository: DicomwebRepository;
  readonly ingest: IngestRunner | undefined;
  /** The platform key: seals the targets in the job row and the instances waiting for the gate. */
  readonly key: BlobKey | undefined;
  /** Where instances wait for the gate, sealed (under the data folder). */
  readonly stagingDir: string;
  readonly clock: () => Date;
  /** The region this server serves: it takes the retrievals of that region only. */
  readonly region: Region;
  /** The PACS client of a project (its connection, the password opened). */
  readonly clientOf: (projectId: string) => Promise<DicomwebClient>;
  /** A running retrieval whose runner stopped renewing it for this long is taken by another (default 2 min). */
  readonly leaseMs?: number;
  /** Called with the running count of instances received (tests stop a runner midway with it). */
  readonly onInstance?: (received: number) => void;
  /** Records the most the WADO-RS reader held at once (tests bound memory with it). */
  readonly meter?: ReadMeter;
}

/**
 * Runs retrievals as durable jobs of the job table, in the server process: per target (a study
 * or a series) its instances arrive over WADO-RS, each sealed to a staging file as it arrives,
 * then go through the ingest gate as one batch (the gate assembles a series from all of its
 * slices). The job row holds the targets sealed with the platform key, never a UID in clear;
 * each gated instance is recorded by a keyed hash of its SOP Instance UID, so a retrieval taken
 * up again after a restart (its lease lapsed) skips what is already in the project.
 */
export class RetrievalRunner {
  readonly #deps: RetrievalRunnerDeps;
  readonly #queue: JobQueue;
  readonly #workerId = `retrievals-${crypto.randomUUID()}`;
  #loop: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(deps: RetrievalRunnerDeps) {
    this.#deps = deps;
    this.#queue = new JobQueue(deps.database.db, { clock: deps.clock, leaseMs: deps.leaseMs ?? 2 * 60_000 });
  }

  async start(input: { projectId: string; requestedBy: string | null; targets: readonly RetrieveTarget[] }): Promise<DicomwebRetrieval> {
    const key = this.#deps.key;
    if (!this.#deps.ingest) throw new DelineateError('DLN_INGEST_UNAVAILABLE', 'This server runs no ingest gate (start it with `delineate start`)');
    if (!key) throw new DelineateError('DLN_INGEST_UNAVAILABLE', 'This server cannot hold retrievals (it was started without the platform key)');
    const retrieval = await withTransaction(this.#deps.database.db, async (tx) => {
      const repository = new DicomwebRepository(tx, { clock: this.#deps.clock });
      const started = await repository.startRetrieval({ projectId: input.projectId, requestedBy: input.requestedBy, targets: input.targets.length });
      const project = await new ProjectRepository(tx).get(input.projectId);
      const payload = { projectId: input.projectId, retrievalId: started.id, targets: sealRetrievalTargets(key, started.id, input.targets) };
      // The job runs in the project's region only (data residency), like the upload gate.
      await new JobQueue(tx, { clock: this.#deps.clock }).enqueue({ kind: DICOMWEB_RETRIEVE_JOB, region: project.region, payload, maxAttempts: 1 });
      return started;
    });
    this.wake();
    return retrieval;
  }

  /** Looks for retrievals to run (queued, or left by a runner that stopped): at start and after each new one. */
  wake(): void {
    if (this.#stopped || !this.#deps.ingest || !this.#deps.key) return;
    if (this.#loop) {
      this.#again = true;
      return;
    }
    this.#loop = this.#drain().finally(() => {
      this.#loop = undefined;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
  }

  /** Resolves when every retrieval found so far has ended (server close, tests). */
  async settled(): Promise<void> {
    while (this.#loop) await this.#loop;
  }

  /** Ends the runner: the retrieval it runs stops at its next instance and stays claimed until its lease lapses. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.settled();
  }

  async #drain(): Promise<void> {
    for (;;) {
      if (this.#stopped) return;
      const job = await this.#queue.claim({ workerId: this.#workerId, region: this.#deps.region, kinds: [DICOMWEB_RETRIEVE_JOB] });
      if (!job) return;
      await this.#runJob(job);
    }
  }

  async #runJob(job: Job): Promise<void> {
    const payload = job.payload as { projectId: string; retrievalId: string; targets: string };
    try {
      await this.#run(job.id, payload);
      await this.#queue.complete(job.id, this.#workerId);
    } catch (error) {
      if (error instanceof Stopped) return;
      // The code and message only: neither ever carries a value from the PACS.
      const coded = isDelineateError(error) ? error : new DelineateError('DLN_INTERNAL', 'The retrieval failed');
      await this.#deps.repository.finishRetrieval(payload.retrievalId, { status: 'failed', errorCode: coded.code, error: coded.message });
      // One attempt: a PACS refusal is answered to the user, not retried behind their back.
      await this.#queue.fail(job.id, this.#workerId, coded.code);
    }
  }

  async #run(jobId: string, payload: { projectId: string; retrievalId: string; targets: string }): Promise<void> {
    const key = this.#deps.key!;
    const ingest = this.#deps.ingest!;
    const repository = this.#deps.repository;
    const id = payload.retrievalId;
    const targets = openRetrievalTargets(key, id, payload.targets);
    const client = await this.#deps.clientOf(payload.projectId);
    const before = await repository.retrievalById(id);
    const gated = await repository.gatedInstances(id);
    // Instances of a target cut off midway are received again: only the gated ones count as received.
    const totals = { passed: before.passed, quarantined: before.quarantined, rejected: before.rejected, duplicates: before.duplicates, received: gated.size, itemIds: [...before.itemIds] };
    const staging = new RetrievalStaging(this.#deps.stagingDir, id, key);
    try {
      // Every target is asked for again on resume: its instances already gated are skipped by their hash.
      for (const [index, target] of targets.entries()) {
        await staging.reset();
        const hashes: string[] = [];
        for await (const instance of client.retrieve(target, this.#deps.meter ? { meter: this.#deps.meter } : {})) {
          if (this.#stopped) throw new Stopped();
          const hash = instanceHash(key, sopInstanceUid(instance));
          if (!gated.has(hash)) {
            await staging.put(instance);
            hashes.push(hash);
            totals.received++;
          }
          this.#deps.onInstance?.(totals.received);
          // Renews the job's lease too: a long retrieval is not taken for a stalled one.
          if (totals.received % progressEvery === 0) await Promise.all([repository.recordProgress(id, { received: totals.received }), this.#queue.reportProgress(jobId, { stage: 'receiving', percent: Math.round((100 * index) / targets.length) })]);
        }
        if (this.#stopped) throw new Stopped();
        await repository.recordProgress(id, { received: totals.received });
        if (staging.count > 0) {
          const outcome = outcomeOf(await ingest({ projectId: payload.projectId, files: await staging.contents() }));
          totals.passed += outcome.passed;
          totals.quarantined += outcome.quarantined;
          totals.rejected += outcome.rejected;
          totals.duplicates += outcome.duplicates;
          for (const item of outcome.items) if (!totals.itemIds.includes(item.itemId)) totals.itemIds.push(item.itemId);
          await repository.recordGated(id, hashes);
          for (const hash of hashes) gated.add(hash);
        }
        const { received: _received, ...counts } = totals;
        await repository.recordProgress(id, { ...counts, targetsDone: index + 1 });
      }
      await repository.finishRetrieval(id, { status: 'succeeded' });
    } finally {
      await staging.remove();
    }
  }
}

/** The instance's SOP Instance UID (its identity on the PACS), from the data set or the file meta. */
function sopInstanceUid(bytes: Uint8Array): string {
  const file = readDicomFile(bytes);
  const uid = getString(file.dataset, SOP_INSTANCE_UID) ?? getString(file.meta, MEDIA_SOP_INSTANCE_UID);
  if (!uid) throw new DelineateError('DLN_DICOMWEB_NOT_DICOM', 'An instance from the PACS has no SOP Instance UID');
  return uid;
}
