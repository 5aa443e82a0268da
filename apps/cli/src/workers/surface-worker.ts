import { parentPort } from 'node:worker_threads';
import { directedSurfaceDistances } from '@delineate/core';
import type { SurfaceJob, SurfaceJobResult } from './surface-pool';

parentPort?.on('message', (job: SurfaceJob) => {
  const { grid, from, to, convention, id } = job;
  const result = directedSurfaceDistances({ grid, data: from }, { grid, data: to }, convention);
  const reply: SurfaceJobResult = { id, result };
  parentPort?.postMessage(reply);
});
