import { Worker } from 'node:worker_threads';
import { rejectedFile, type DeidConfig, type DeidFileResult, type DeidGate, type PatientKey, type PixelRegion } from '@delineate/deid';

/** What the gate thread is given: the file and the project's settings, all plain data. */
export interface GateRequest {
  readonly bytes: Uint8Array;
  readonly secret: Uint8Array;
  readonly options: readonly string[];
  readonly stewardRegions: readonly PixelRegion[];
  /** Run the OCR pixel stage (else files that need a pixel check are quarantined). */
  readonly ocr: boolean;
  readonly iodCheck: boolean;
}

export type GateMessage = { type: 'pseudonym'; id: number; patient: PatientKey } | { type: 'result'; result: DeidFileResult };
export interface GateReply {
  readonly id: number;
  readonly pseudonym: string;
}

export interface IsolatedGateOptions {
  /** The thread's V8 heap (old generation) in MiB; past it the thread ends, not the process. Default 768. */
  readonly maxHeapMb?: number;
  /** A file still in the gate after this long is stopped and refused. Default 10 minutes. */
  readonly timeoutMs?: number;
}

/**
 * The gate for untrusted files in a process that also serves the API: each file goes through
 * the whole gate (parse, inflate, decode, OCR, write, verify) in its own worker thread with
 * resource limits. The decoders are bounded by the declared geometry and the decode ceiling
 * (formats' decoded-limit.ts: buffers live outside the V8 heap, so those bounds are what stops
 * a decompression bomb); what still blows up (millions of elements, a decoder fault) ends the
 * thread, and the file is refused with a code (DLN_DICOM_TOO_LARGE when it ran out of memory)
 * while the server carries on.
 */
export function isolatedGate(options: IsolatedGateOptions = {}): DeidGate {
  const maxHeapMb = options.maxHeapMb ?? 768;
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  return (bytes: Uint8Array, config: DeidConfig, stewardRegions: readonly PixelRegion[] = []) =>
    new Promise<DeidFileResult>((resolve) => {
      const request: GateRequest = {
        bytes,
        secret: config.secret,
        options: [...config.options],
        stewardRegions: [...stewardRegions],
        ocr: config.pixelStage !== undefined,
        iodCheck: config.validator !== undefined,
      };
      const worker = new Worker(new URL('./gate-thread.mjs', import.meta.url), {
        workerData: request,
        resourceLimits: { maxOldGenerationSizeMb: maxHeapMb, maxYoungGenerationSizeMb: 32 },
      });
      let settled = false;
      const settle = (result: DeidFileResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
        void worker.terminate();
      };
      const refuse = (code: string) => settle(rejectedFile(bytes, config.options, code));
      const timer = setTimeout(() => refuse('DLN_DEID_FAILED'), timeoutMs);
      worker.on('message', (message: GateMessage) => {
        if (message.type === 'result') {
          settle(message.result);
          return;
        }
        config.pseudonyms.pseudonymFor(message.patient).then(
          (pseudonym) => worker.postMessage({ id: message.id, pseudonym } satisfies GateReply),
          () => refuse('DLN_DEID_FAILED'),
        );
      });
      worker.on('error', (error: Error & { code?: string }) => refuse(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'DLN_DICOM_TOO_LARGE' : 'DLN_DEID_FAILED'));
      worker.on('exit', () => refuse('DLN_DEID_FAILED'));
    });
}
