import { parentPort, workerData } from 'node:worker_threads';
import { directedBetween } from '@delineate/core';
import type { SurfaceJob, SurfaceJobResult } from './surface-pool';

parentPort?.on('message', (job: SurfaceJob) => {
  const reply: SurfaceJobResult = { id: job.id, result: directedBetween(job.from, job.to) };
  parentPort?.postMessage(reply);
});
// Loaded: the pool reads this flag without waiting for a message.
const flag = (workerData as { ready?: Int32Array } | null)?.ready;
if (flag) Atomics.store(flag, 0, 1);
