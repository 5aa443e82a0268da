import { parentPort } from 'node:worker_threads';
import { directedBetween } from '@delineate/core';
import type { SurfaceJob, SurfaceJobResult } from './surface-pool';

parentPort?.on('message', (job: SurfaceJob) => {
  const reply: SurfaceJobResult = { id: job.id, result: directedBetween(job.from, job.to) };
  parentPort?.postMessage(reply);
});
parentPort?.postMessage('ready');
