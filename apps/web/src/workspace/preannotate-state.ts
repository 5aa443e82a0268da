import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { Model, PreannotationPrompt, PreannotationRun } from '@delineate/schema';
import { ApiError } from '../api';
import type { VoxelBox } from '../tools';
import { fetchRevisionVolume } from './mask-loader';
import { EditingRecorder } from './preannotate-activity';
import { preannotationApi, type PreannotationJobState, type SlicePreview } from './preannotate-api';
import { LatestPrompt } from './preview-coalescer';
import { clearDraftLabel, draftLayer, withoutLabel, type DraftLayer } from './preannotate-draft';
import type { OpenedWork } from './queries';
import type { LabelVolume } from './use-label-volume';

/** What a model accepts as a prompt, from its runtime; `tolerance`: a click grows within an HU tolerance. */
export type PromptKinds = { slice: boolean; box: boolean; volume: boolean; click: boolean; tolerance: boolean };

export function promptKindsOf(model: Model): PromptKinds {
  const runtime = model.manifest?.runtime;
  if (runtime?.kind === 'builtin' && runtime.preannotator === 'region_grow') return { slice: false, box: false, volume: false, click: true, tolerance: true };
  if (runtime?.kind === 'builtin' && runtime.preannotator === 'box_threshold') return { slice: false, box: true, volume: false, click: false, tolerance: false };
  // Promptable (SAM-style) models answer clicks and boxes through their decoder.
  if (runtime?.kind === 'onnx' && runtime.promptDecoder) return { slice: false, box: true, volume: false, click: true, tolerance: false };
  return { slice: true, box: true, volume: true, click: false, tolerance: false };
}

export interface ShownDraft {
  run: PreannotationRun;
  layer: DraftLayer;
}

const POLL_MS = 400;

/**
 * The workspace's side of AI pre-annotation: the project's models for the item's modality, a run
 * on the slice, a drawn box, a click or the volume, its job followed to the end, the draft loaded
 * as the new base (the annotator's unsent edits redone on top) and outlined beside their work,
 * accepting or clearing it label by label, and the editing figures sent before submission.
 */
export function usePreannotation(
  work: OpenedWork | undefined,
  taskId: string | null,
  volume: LabelVolume | null,
  hooks: {
    /** Saves unsent edits first, so the draft is merged onto what the annotator sees. */
    save: () => Promise<number | null>;
    loadVersion: (version: number) => Promise<void>;
    showDraft: (drawn: Uint8Array | null) => void;
    changed: () => void;
    error: (e: unknown) => void;
    /** The label value of a label key (a live preview is outlined in its label's colour). */
    labelValue: (key: string) => number | undefined;
  },
) {
  const projectId = work?.item.projectId ?? null;
  const modality = work?.item.modality;
  const models = useQuery({
    queryKey: ['models', projectId],
    queryFn: () => preannotationApi.models(projectId!),
    enabled: projectId !== null && taskId !== null,
    staleTime: 60_000,
  });
  const usable = useMemo(() => (models.data ?? []).filter((m) => m.manifest !== null && m.manifest.modality === modality), [models.data, modality]);
  const [modelId, setModelId] = useState<string | null>(null);
  const model = usable.find((m) => m.id === modelId) ?? usable[0] ?? null;
  const [job, setJob] = useState<PreannotationJobState | null>(null);
  const [draft, setDraft] = useState<ShownDraft | null>(null);
  const [armed, setArmedState] = useState<'click' | 'box' | null>(null);
  // Read by the pointer handlers, which may see several events before a render (a drag).
  const armedRef = useRef<'click' | 'box' | null>(null);
  const setArmed = useCallback((mode: 'click' | 'box' | null) => {
    armedRef.current = mode;
    setArmedState(mode);
  }, []);
  const [toleranceHu, setToleranceHu] = useState(15);
  const [hasRuns, setHasRuns] = useState(false);
  const recorder = useMemo(() => new EditingRecorder(() => performance.now()), []);
  const alive = useRef(true);
  useEffect(() => () => void (alive.current = false), []);
  const { save, loadVersion, showDraft, changed, error, labelValue } = hooks;
  const annotationId = work?.annotation.id ?? null;
  const dims = volume?.kind === 'volume' ? volume.dims : null;

  // A promptable model's live outline while a box is dragged; it becomes a draft only on release.
  const [preview, setPreview] = useState<{ voxels: number } | null>(null);
  const promptable = model?.manifest?.runtime.kind === 'onnx' && model.manifest.runtime.promptDecoder !== undefined;
  const previewValue = model ? (labelValue(model.labelKeys[0]!) ?? 1) : 1;
  const previews = useMemo(() => {
    if (!promptable || !model || !taskId || !dims) return null;
    const plane = dims.columns * dims.rows;
    // One volume-sized layer for every drag step; each answer clears the runs of the one before.
    const layer = new Uint8Array(plane * dims.slices);
    let shown: SlicePreview | null = null;
    const draw = (answer: SlicePreview, value: number) => {
      const base = answer.slice * plane;
      for (let k = 0; k + 1 < answer.runs.length; k += 2) layer.fill(value, base + answer.runs[k]!, base + answer.runs[k + 1]!);
    };
    return new LatestPrompt(
      (prompt: PreannotationPrompt) => preannotationApi.preview(taskId, model.id, prompt),
      (answer: SlicePreview) => {
        if (shown) draw(shown, 0);
        draw(answer, previewValue);
        shown = answer;
        showDraft(layer);
        setPreview({ voxels: answer.voxels });
      },
      error,
    );
  }, [promptable, model, taskId, dims, previewValue, showDraft, error]);
  const endPreview = useCallback(() => {
    if (!previews) return;
    previews.cancel();
    setPreview(null);
  }, [previews]);

  const present = useCallback(
    async (run: PreannotationRun) => {
      if (!annotationId || !dims) return;
      const ai = await fetchRevisionVolume(annotationId, run.version, dims);
      const before = run.version > 1 ? await fetchRevisionVolume(annotationId, run.version - 1, dims) : new Uint8Array(ai.length);
      const layer = draftLayer(before, ai);
      setDraft({ run, layer });
      showDraft(layer.drawn);
    },
    [annotationId, dims, showDraft],
  );

  // A task drafted when it was created (a project setting) opens with its draft outlined.
  const headVersion = work?.annotation.headVersion ?? 0;
  useEffect(() => {
    if (!annotationId || !dims || taskId === null) return;
    let cancelled = false;
    preannotationApi
      .runs(annotationId)
      .then(async (runs) => {
        if (cancelled || runs.length === 0) return;
        setHasRuns(true);
        const last = runs[runs.length - 1]!;
        if (last.version === headVersion) await present(last);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [annotationId, dims, taskId, headVersion, present]);

  const run = useCallback(
    async (prompt: PreannotationPrompt) => {
      if (!model || !taskId || !annotationId) return;
      setArmed(null);
      try {
        await save();
        const jobId = await preannotationApi.run(taskId, model.id, prompt);
        let state = await preannotationApi.job(taskId, jobId);
        setJob(state);
        while (alive.current && (state.status === 'queued' || state.status === 'running')) {
          await new Promise((r) => setTimeout(r, POLL_MS));
          state = await preannotationApi.job(taskId, jobId);
          setJob(state);
        }
        if (state.status !== 'succeeded') return;
        const runs = await preannotationApi.runs(annotationId);
        const last = runs[runs.length - 1];
        if (!last) throw new ApiError('DLN_NOT_FOUND', 'The model finished but its draft was not found', 404);
        setHasRuns(true);
        await loadVersion(last.version);
        await present(last);
      } catch (e) {
        error(e);
      }
    },
    [model, taskId, annotationId, save, loadVersion, present, error, setArmed],
  );

  const accept = useCallback(
    (value: number) => {
      if (!draft) return;
      recorder.click();
      const layer = withoutLabel(draft.layer, value);
      setDraft({ ...draft, layer });
      showDraft(layer.drawn);
    },
    [draft, recorder, showDraft],
  );

  const clear = useCallback(
    (value: number) => {
      if (!draft || volume?.kind !== 'volume') return;
      recorder.click();
      clearDraftLabel(volume.map, draft.layer, value);
      const layer = withoutLabel(draft.layer, value);
      setDraft({ ...draft, layer });
      showDraft(layer.drawn);
      changed();
    },
    [draft, volume, recorder, showDraft, changed],
  );

  /**
   * A press, drag step or release while a click prompt is armed; true when it was taken. A
   * promptable model's outline follows the pressed pointer and the release places the click; other
   * models take the press.
   */
  const onClick = useCallback(
    (voxel: [number, number, number], released: boolean) => {
      if (armedRef.current !== 'click') return false;
      const prompt: PreannotationPrompt = { kind: 'click', plane: 'axial', point: voxel, toleranceHu };
      if (previews && !released) {
        previews.request(prompt);
        return true;
      }
      setArmed(null);
      endPreview();
      void run(prompt);
      return true;
    },
    [run, toleranceHu, setArmed, previews, endPreview],
  );
  /** A box being dragged while a box prompt is armed: the promptable model's outline follows it. */
  const onBoxDrag = useCallback(
    (box: VoxelBox) => {
      if (armedRef.current !== 'box' || !previews) return;
      previews.request({ kind: 'box', plane: 'axial', min: box.min, max: [box.max[0], box.max[1], box.min[2]] });
    },
    [previews],
  );
  const onBox = useCallback(
    (box: VoxelBox, window: { low: number; high: number }) => {
      if (armedRef.current !== 'box' || !model) return false;
      setArmed(null);
      endPreview();
      const threshold = model.manifest?.runtime.kind === 'builtin' && model.manifest.runtime.preannotator === 'box_threshold';
      void run({ kind: 'box', plane: 'axial', min: box.min, max: box.max, ...(threshold ? { window } : {}) });
      return true;
    },
    [model, run, setArmed, endPreview],
  );

  /** Before submission: what the annotator's correction cost, when a model drafted this task. */
  const sendActivity = useCallback(async () => {
    if (hasRuns && taskId) await preannotationApi.recordActivity(taskId, recorder.activity());
  }, [hasRuns, taskId, recorder]);

  return { models: usable, loading: models.isLoading, model, setModelId, job, draft, armed, setArmed, toleranceHu, setToleranceHu, run, accept, clear, onClick, onBox, onBoxDrag, preview, recorder, sendActivity };
}

export type Preannotation = ReturnType<typeof usePreannotation>;
