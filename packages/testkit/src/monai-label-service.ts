import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gridOf } from '@delineate/core';
import { decodeNifti, encodeNifti, niftiValues } from '@delineate/formats';
import { windowModelSlice, type WindowModelOptions } from './onnx-model';

/** How the service answers `/infer`: correctly, or each way an endpoint can go wrong. */
export type MonaiLabelBehaviour = 'ok' | 'timeout' | 'garbage' | 'off_grid' | 'unknown_label' | 'server_error_once';

export interface MonaiLabelService {
  readonly url: string;
  behaviour: MonaiLabelBehaviour;
  /** Requests to `/infer` so far. */
  readonly inferCalls: number;
  close(): Promise<void>;
}

async function body(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A small HTTP service implementing MONAI Label's routes over the project's test model
 * computation: `GET /info/` lists one model and its label; `POST /infer/{model}` takes the
 * multipart `file` (NIfTI) and `params`, and answers a uint8 NIfTI label image (value 1 where
 * the window model's probability exceeds 0.5) on the input's grid and affine.
 */
export async function startMonaiLabelService(model: string, options: WindowModelOptions): Promise<MonaiLabelService> {
  let inferCalls = 0;
  const held: ServerResponse[] = [];
  const state = { behaviour: 'ok' as MonaiLabelBehaviour, failedOnce: false };
  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (request.method === 'GET' && url.pathname === '/info/') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ name: 'delineate-test', version: '0.1', labels: ['liver'], models: { [model]: { type: 'segmentation', labels: { liver: 1 }, dimension: 2 } } }));
        return;
      }
      if (request.method !== 'POST' || url.pathname !== `/infer/${model}`) {
        response.writeHead(404).end();
        return;
      }
      inferCalls++;
      const raw = await body(request);
      if (state.behaviour === 'timeout') {
        held.push(response);
        return;
      }
      if (state.behaviour === 'server_error_once' && !state.failedOnce) {
        state.failedOnce = true;
        response.writeHead(503).end();
        return;
      }
      if (state.behaviour === 'garbage') {
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        response.end(Buffer.from('this is not a label image'));
        return;
      }
      const form = await new Response(raw, { headers: { 'content-type': request.headers['content-type'] ?? '' } }).formData();
      const file = form.get('file');
      if (!(file instanceof Blob)) {
        response.writeHead(422).end();
        return;
      }
      const image = decodeNifti(new Uint8Array(await file.arrayBuffer()));
      const [nx, ny, nz] = image.grid.dims;
      const values = niftiValues(image);
      const labels = new Uint8Array(nx * ny * nz);
      const plane = nx * ny;
      for (let z = 0; z < nz; z++) {
        const p = windowModelSlice(values.subarray(z * plane, (z + 1) * plane), nx, ny, options);
        for (let i = 0; i < plane; i++) labels[z * plane + i] = p[i]! > 0.5 ? (state.behaviour === 'unknown_label' ? 7 : 1) : 0;
      }
      const grid = state.behaviour === 'off_grid' ? gridOf([nx, ny, nz + 1], [...image.grid.spacing]) : image.grid;
      const data = state.behaviour === 'off_grid' ? new Uint8Array(nx * ny * (nz + 1)) : labels;
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      response.end(Buffer.from(encodeNifti({ grid, data, affine: image.affine }, { gzip: true })));
    })().catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(b: MonaiLabelBehaviour) {
      state.behaviour = b;
      state.failedOnce = false;
    },
    get inferCalls() {
      return inferCalls;
    },
    async close() {
      for (const r of held) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
