import { parentPort, workerData } from 'node:worker_threads';
import { createDciodvfyValidator, createOcrPixelStage, deidentifyDicom, parseDeidOptions, type PatientKey, type PseudonymMap } from '@delineate/deid';
import type { GateRequest, GateMessage, GateReply } from './isolated-gate';

/**
 * One file through the whole gate in this thread (see isolated-gate.ts): pseudonyms are asked
 * of the parent, which owns the project's map; the result goes back as one message.
 */
const port = parentPort;
if (!port) throw new Error('gate-thread runs as a worker thread');
const request = workerData as GateRequest;
const waiting = new Map<number, (pseudonym: string) => void>();
let next = 0;
port.on('message', (reply: GateReply) => {
  waiting.get(reply.id)?.(reply.pseudonym);
  waiting.delete(reply.id);
});
const pseudonyms: PseudonymMap = {
  pseudonymFor: (patient: PatientKey) =>
    new Promise<string>((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      port.postMessage({ type: 'pseudonym', id, patient } satisfies GateMessage);
    }),
};
const pixelStage = request.ocr ? createOcrPixelStage() : undefined;
const validator = request.iodCheck ? createDciodvfyValidator() : undefined;
try {
  const result = await deidentifyDicom(
    request.bytes,
    {
      secret: request.secret,
      options: new Set(parseDeidOptions(request.options.join(',')).options),
      pseudonyms,
      ...(pixelStage ? { pixelStage } : {}),
      ...(validator ? { validator } : {}),
    },
    request.stewardRegions,
  );
  port.postMessage({ type: 'result', result } satisfies GateMessage);
} finally {
  await pixelStage?.close();
  validator?.close();
}
