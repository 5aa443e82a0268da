import { describe, expect, it } from 'vitest';
import type { Model } from '@delineate/schema';
import { endpointWords, jobFailure, jobStatusWords, runtimeWords } from './preannotate-api';
import { promptKindsOf } from './preannotate-state';

const model = (runtime: NonNullable<Model['manifest']>['runtime']): Model =>
  ({
    id: '00000000-0000-4000-8000-000000000001',
    runtime: runtime.kind,
    manifest: { runtime },
  }) as unknown as Model;

describe('pre-annotation panel words and prompts', () => {
  it('says where a job stands and why it failed, in words beside its code', () => {
    expect(jobStatusWords('queued')).toBe('Waiting for a worker…');
    expect(jobStatusWords('succeeded')).toBe('Draft ready.');
    expect(jobFailure('DLN_MODEL_OUTPUT_OFF_GRID: The model output is off the grid')).toEqual({ code: 'DLN_MODEL_OUTPUT_OFF_GRID', text: 'The model output is off the grid' });
    expect(jobFailure(null).code).toBe('DLN_MODEL_RUNTIME_FAILED');
    expect(runtimeWords('monai_label')).toBe('external MONAI Label endpoint');
  });

  it("describes an external endpoint's draft by the endpoint and its /info snapshot, in words", () => {
    const infoSnapshot = { name: 'delineate-test', version: '0.1', labels: ['liver'], models: { liver: { type: 'segmentation', labels: { liver: 1, liver_lesion: 2 }, dimension: 2 } } };
    expect(endpointWords({ endpoint: 'http://127.0.0.1:9000/', infoSnapshot }, 'liver')).toBe(
      'Run at http://127.0.0.1:9000/, which reported itself as delineate-test version 0.1 (model “liver”, segmentation, 2-D, labels: liver, liver lesion).',
    );
    expect(endpointWords({ endpoint: 'http://127.0.0.1:9000/', infoSnapshot: null }, 'liver')).toBe('Run at http://127.0.0.1:9000/ (model “liver”).');
    expect(endpointWords({ endpoint: null, infoSnapshot: null }, null)).toBeNull();
  });

  it('offers the prompts each kind of model takes', () => {
    expect(promptKindsOf(model({ kind: 'builtin', preannotator: 'region_grow' }))).toEqual({ slice: false, box: false, volume: false, click: true, tolerance: true });
    expect(promptKindsOf(model({ kind: 'builtin', preannotator: 'box_threshold' })).box).toBe(true);
    expect(promptKindsOf(model({ kind: 'onnx' }))).toEqual({ slice: true, box: true, volume: true, click: false, tolerance: false });
    const decoder = { decoderSha256: 'a'.repeat(64), embedding: 'e', pointCoords: 'c', pointLabels: 'l', masks: 'm' };
    expect(promptKindsOf(model({ kind: 'onnx', promptDecoder: decoder }))).toEqual({ slice: false, box: true, volume: false, click: true, tolerance: false });
  });
});
