import { gridOf } from '@delineate/core';
import { decodeNifti, encodeNifti, niftiAffineFromGeometry, niftiLabels } from '@delineate/formats';
import { DelineateError, isDelineateError } from '@delineate/schema';
import { promptRegion, type PreannotationRuntime, type RuntimeInput, type RuntimeOutput } from './runtime';

export interface MonaiLabelOptions {
  /** Per request (default 30 s). */
  readonly timeoutMs?: number | undefined;
  /** Further tries after a timeout, a refused connection or a 5xx answer (default 2). */
  readonly retries?: number | undefined;
  /** Largest answer read (default 256 MiB); a longer one is refused. */
  readonly maxResponseBytes?: number | undefined;
  /** The platform's fetch (tests may give their own). */
  readonly fetch?: typeof fetch | undefined;
}

/** A transient failure worth another try. */
class Transient extends Error {
  constructor(readonly refusal: DelineateError) {
    super(refusal.message);
  }
}

async function readCapped(response: Response, limit: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new DelineateError('DLN_MODEL_ENDPOINT_TOO_LARGE', 'The endpoint answered more than the size limit');
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new DelineateError('DLN_MODEL_ENDPOINT_TOO_LARGE', 'The endpoint answered more than the size limit');
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * An external endpoint speaking MONAI Label's API: `GET /info/` (its models and labels, kept as
 * the run's snapshot), then `POST /infer/{model}?output=image` with the volume as NIfTI (`file`)
 * and JSON `params`; the answer is a NIfTI label image whose values are the model's output
 * indices. Timeouts, retries with the same request, and a size limit on every answer; an answer
 * that is not a NIfTI label image is refused (DLN_MODEL_ENDPOINT_INVALID).
 */
export function monaiLabelRuntime(options: MonaiLabelOptions = {}): PreannotationRuntime {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 2;
  const limit = options.maxResponseBytes ?? 256 * 1024 * 1024;
  const doFetch = options.fetch ?? fetch;

  const request = async (url: string, init: RequestInit): Promise<Uint8Array> => {
    for (let attempt = 0; ; attempt++) {
      try {
        let response: Response;
        try {
          response = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
        } catch (e) {
          const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
          throw new Transient(
            timedOut
              ? new DelineateError('DLN_MODEL_ENDPOINT_TIMEOUT', 'The model endpoint did not answer in time')
              : new DelineateError('DLN_MODEL_ENDPOINT_UNREACHABLE', 'The model endpoint could not be reached'),
          );
        }
        if (response.status >= 500) {
          await response.body?.cancel();
          throw new Transient(new DelineateError('DLN_MODEL_ENDPOINT_INVALID', `The model endpoint failed (HTTP ${response.status})`));
        }
        if (!response.ok) {
          await response.body?.cancel();
          throw new DelineateError('DLN_MODEL_ENDPOINT_INVALID', `The model endpoint refused the request (HTTP ${response.status})`);
        }
        try {
          return await readCapped(response, limit);
        } catch (e) {
          if (isDelineateError(e)) throw e;
          throw new Transient(new DelineateError('DLN_MODEL_ENDPOINT_TIMEOUT', 'The model endpoint did not finish its answer in time'));
        }
      } catch (e) {
        if (e instanceof Transient) {
          if (attempt < retries) continue;
          throw e.refusal;
        }
        throw e;
      }
    }
  };

  return {
    kind: 'monai_label',
    async run(input: RuntimeInput): Promise<RuntimeOutput> {
      const { manifest, geometry: g } = input;
      if (manifest.runtime.kind !== 'monai_label') throw new DelineateError('DLN_MODEL_MANIFEST_INVALID', 'Not a MONAI Label model');
      const region = promptRegion(input.prompt, g);
      const base = manifest.runtime.endpoint.replace(/\/+$/, '');
      const infoBytes = await request(`${base}/info/`, { method: 'GET', headers: { accept: 'application/json' } });
      let info: unknown;
      try {
        info = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(infoBytes));
      } catch {
        throw new DelineateError('DLN_MODEL_ENDPOINT_INVALID', 'The endpoint\'s /info/ answer is not JSON');
      }
      const models = (info as { models?: unknown })?.models;
      if (typeof models !== 'object' || models === null || !(manifest.runtime.model in models)) {
        throw new DelineateError('DLN_MODEL_ENDPOINT_INVALID', 'The endpoint does not offer the registered model');
      }
      const grid = gridOf([g.columns, g.rows, g.slices], [...g.spacing]);
      const image = encodeNifti({ grid, data: input.hu, affine: niftiAffineFromGeometry(g) }, { gzip: true });
      const form = new FormData();
      form.append('params', JSON.stringify({ prompt: input.prompt }));
      form.append('file', new Blob([image as Uint8Array<ArrayBuffer>]), 'image.nii.gz');
      const answer = await request(`${base}/infer/${encodeURIComponent(manifest.runtime.model)}?output=image`, { method: 'POST', body: form });
      let labels: ReturnType<typeof niftiLabels>;
      let dims: readonly number[];
      let affine: readonly number[];
      try {
        const decoded = decodeNifti(answer);
        dims = decoded.grid.dims;
        affine = decoded.affine;
        labels = niftiLabels(decoded);
      } catch {
        throw new DelineateError('DLN_MODEL_ENDPOINT_INVALID', 'The endpoint did not answer a NIfTI label image');
      }
      const sent = niftiAffineFromGeometry(g);
      // NIfTI stores the affine as float32: a millimetre tolerance, not equality.
      if (dims[0] !== g.columns || dims[1] !== g.rows || dims[2] !== g.slices || sent.some((v, i) => Math.abs(v - (affine[i] ?? NaN)) > 1e-3 * Math.max(1, Math.abs(v)))) {
        throw new DelineateError('DLN_MODEL_OUTPUT_OFF_GRID', "The endpoint's label image is not on the item's grid");
      }
      const indices = new Uint8Array(labels.length);
      for (let i = 0; i < labels.length; i++) {
        const v = labels[i]!;
        if (v < 0 || v > 255) throw new DelineateError('DLN_MODEL_LABEL_UNKNOWN', 'The endpoint answered an output index no manifest output maps', { outputIndex: v });
        indices[i] = v;
      }
      return { indices, region, endpoint: base, infoSnapshot: info };
    },
  };
}
