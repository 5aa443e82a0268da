import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { decodeRle8, encodeRle8 } from '@delineate/core';
import type { Label } from '@delineate/schema';
import { api, ApiError, type AnnotationInfo, type ItemView, type RevisionInfo, type Session } from '../api';
import { drafts, type Draft } from '../drafts';
import { sliceCount, type Dims, type Orientation } from '../viewer/geometry';
import { interpolateSlices } from '../viewer/interpolate';
import { brush, brushLine, fill, Labelmap, scissorsCircle, scissorsRect, type Stroke } from '../viewer/labelmap';
import type { SceneBox } from '../viewer/overlay';
import { greyLut, hexToRgb, labelLut, windowPresets, type WindowLevel } from '../viewer/render';
import { countOverlay, diffOverlay, stageNames, workflowApi, type CorrectionSize, type ReviewContext, type ReviewResult, type ReviewSubmission, type SignificantRegionMark, type WorkflowTask } from '../workflow-api';
import { ErrorBox, itemHash } from './App';
import { AnnotatePanel, MarkDialog, type PendingBox } from './AnnotatePanel';
import { ReviewPanel } from './ReviewPanel';
import { frameStats, sliceOf, ViewPane, type Camera, type PaneHandlers, type PointerInfo, type Scene } from './ViewPane';

type Tool = 'brush' | 'eraser' | 'threshold' | 'rect' | 'circle' | 'fill' | 'crosshair' | 'mark';
type SaveState =
  | { kind: 'saved'; version: number }
  | { kind: 'unsaved' }
  | { kind: 'saving' }
  | { kind: 'draft'; at: string }
  | { kind: 'failed'; error: unknown }
  | { kind: 'conflict'; currentVersion: number };

const tools: { id: Tool; name: string; key: string }[] = [
  { id: 'brush', name: 'Brush', key: 'B' },
  { id: 'eraser', name: 'Eraser', key: 'E' },
  { id: 'threshold', name: 'Threshold brush', key: 'T' },
  { id: 'rect', name: 'Rectangle scissors', key: 'R' },
  { id: 'circle', name: 'Circle scissors', key: 'C' },
  { id: 'fill', name: 'Paint fill', key: 'F' },
  { id: 'crosshair', name: 'Crosshairs', key: 'X' },
];

const shortcuts: [string, string][] = [
  ['B / E / T', 'brush, eraser, threshold brush'],
  ['R / C', 'rectangle, circle scissors (Shift: erase)'],
  ['F', 'paint fill'],
  ['X', 'crosshairs (click to move all views)'],
  ['S', 'circle ↔ sphere brush'],
  ['[ / ]', 'brush smaller / larger'],
  ['1 … 9', 'select label'],
  ['H', 'hide / show the selected label'],
  ['I', 'interpolate the selected label between slices'],
  ['Ctrl+Z / Ctrl+Y', 'undo / redo'],
  ['Ctrl+S', 'save'],
  ['↑ / ↓, wheel', 'next / previous slice'],
  ['Ctrl+wheel', 'zoom'],
  ['right drag', 'window / level'],
  ['middle drag, Shift+drag', 'pan'],
  ['W', 'next window preset'],
  ['L', 'stack ↔ three views'],
  ['M', 'mark a significant region (workflow tasks): drag a box on the axial view'],
  ['?', 'this help'],
];

/** The volume after the first slice comes in this many requests at once (fewer requests beat smaller ones: bench/web.ts). */
const PARALLEL_SLABS = 4;

function keyOf(): string {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

interface Loaded {
  item: ItemView;
  annotation: AnnotationInfo;
  dims: Dims;
}

/** The workflow side of the open task (null for a task outside the clinical workflow). */
interface WorkflowView {
  task: WorkflowTask;
  /** Review stages: labels present, the checklist, marks, earlier reviews. */
  context: ReviewContext | null;
  /** Set once this screen signed the review. */
  signed: { at: string; decision: string; correctionSizes: CorrectionSize[] } | null;
}

/** The correction overlay shown: computed here from unsigned edits, or the server's after signing. */
interface CorrectionView {
  source: 'local' | 'server';
  data: Uint8Array;
  counts: { added: number; removed: number; relabelled: number };
}

const lockedStatuses = ['submitted', 'done', 'cancelled'];
const markColours = { stored: '#ff9f1a', mine: '#33d6ff', drawing: '#ffffff' };

export function Workspace(props: { session: Session; itemId: string; taskId: string | null; annotationId: string | null }) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tool, setTool] = useState<Tool>('brush');
  const [labelValue, setLabelValue] = useState(1);
  const [radius, setRadius] = useState(5);
  const [sphere, setSphere] = useState(false);
  const [threshold, setThreshold] = useState({ lower: -100, upper: 200 });
  const [wl, setWl] = useState<WindowLevel>(windowPresets.abdomen!);
  const [visible, setVisible] = useState<Set<number>>(new Set());
  const [opacity, setOpacity] = useState<Map<number, number>>(new Map());
  const [layoutMode, setLayoutMode] = useState<'mpr' | 'stack'>('mpr');
  const [cameras, setCameras] = useState<Record<Orientation, Camera>>({
    axial: { zoom: 1, panX: 0, panY: 0 },
    coronal: { zoom: 1, panX: 0, panY: 0 },
    sagittal: { zoom: 1, panX: 0, panY: 0 },
  });
  const [cursor, setCursor] = useState<[number, number, number]>([0, 0, 0]);
  const [saveState, setSaveState] = useState<SaveState>({ kind: 'saved', version: 0 });
  const [help, setHelp] = useState(false);
  const [offeredDraft, setOfferedDraft] = useState<Draft | null>(null);
  const [loadedSlices, setLoadedSlices] = useState(0);
  const [revisions, setRevisions] = useState<RevisionInfo[]>([]);
  const [viewing, setViewing] = useState<{ title: string; data: Uint8Array } | null>(null);
  const [compare, setCompare] = useState<{ title: string; data: Uint8Array } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [wf, setWf] = useState<WorkflowView | null>(null);
  const [marks, setMarks] = useState<SignificantRegionMark[]>([]);
  const [pendingMark, setPendingMark] = useState<PendingBox | null>(null);
  /** The task whose kept marks were loaded: only then do changes go back to the server. */
  const marksKeptFor = useRef<string | null>(null);
  const [correction, setCorrection] = useState<CorrectionView | null>(null);
  const [showCorrection, setShowCorrection] = useState(true);
  const [workflowBusy, setWorkflowBusy] = useState(false);
  const [workflowError, setWorkflowError] = useState<unknown>(null);
  /** Review stages: the mask of the version under review (what a correction is measured against). */
  const originalRef = useRef<Uint8Array | null>(null);
  /** Reused for the overlay of unsigned edits (recomputed after every edit). */
  const correctionBufferRef = useRef<Uint8Array | null>(null);
  const [drawingBox, setDrawingBox] = useState<SceneBox | null>(null);

  const sceneRef = useRef<Scene | null>(null);
  const mapRef = useRef<Labelmap | null>(null);
  const baseVersionRef = useRef(0);
  /** Undo depth at the last save: strokes above it are the edits not yet sent. */
  const savedDepthRef = useRef(0);
  const savedRevisionRef = useRef(0);
  const dragRef = useRef<{ mode: 'paint' | 'wl' | 'pan' | 'shape' | 'cross' | 'mark'; o: Orientation; start: [number, number]; last: [number, number]; erase: boolean } | null>(null);
  const projectors = useRef(new Map<Orientation, (u: number, v: number) => { x: number; y: number }>());
  const draftTimer = useRef<number | undefined>(undefined);
  const reviewStage = wf && wf.task.stage !== 'annotate' ? (wf.task.stage as 'review' | 'expert_review') : null;
  /** Submitted work, and a signed review, are read-only. */
  const locked = wf !== null && (lockedStatuses.includes(wf.task.status) || wf.signed !== null);
  const readOnly = viewing !== null || locked;

  const bump = useCallback(() => {
    const scene = sceneRef.current;
    if (scene) scene.version++;
  }, []);

  // ---- loading ----
  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const item = await api.item(props.itemId);
        const g = item.grid;
        const dims: Dims = { columns: g.columns, rows: g.rows, slices: g.slices, spacing: [g.spacing[0] ?? 1, g.spacing[1] ?? 1, g.spacing[2] ?? 1] };
        const voxels = dims.columns * dims.rows * dims.slices;
        const map = new Labelmap(dims);
        const start: [number, number, number] = [Math.floor(dims.columns / 2), Math.floor(dims.rows / 2), Math.floor(dims.slices / 2)];
        sceneRef.current = {
          dims,
          hu: new Int16Array(voxels).fill(-1024),
          loaded: new Uint8Array(dims.slices),
          labels: map.data,
          compare: null,
          grey: greyLut(windowPresets.abdomen!),
          overlay: new Uint8Array(1024),
          cursor: start,
          showCrosshair: true,
          version: 1,
          brushRadiusMm: 5,
          showBrush: true,
        };
        // The image starts loading while the annotation and its mask are fetched.
        void loadVolume(item.id, dims, start[2]);
        let annotationId = props.annotationId;
        const task = props.taskId ? await workflowApi.task(props.taskId) : null;
        let context: ReviewContext | null = null;
        if (task && task.stage !== 'annotate') {
          // A review screen shows the work under review: the annotator's annotation.
          if (!task.annotationId || !task.revisionVersion) throw new ApiError('DLN_CONFLICT', 'This review task has no submitted work yet', 409);
          annotationId = task.annotationId;
          context = await workflowApi.reviewContext(task.id);
        } else if (task?.annotationId) {
          // Work submitted before (and returned): its marks and the reviews it had.
          context = await workflowApi.reviewContext(task.id).catch(() => null);
        }
        if (!annotationId) {
          const own = item.annotations.find((a) => a.mine && (props.taskId === null || a.taskId === props.taskId));
          annotationId = own?.id ?? (await api.createAnnotation(item.id, { id: item.labelSchema.id, version: item.labelSchema.version }, props.taskId)).id;
          window.history.replaceState(null, '', itemHash(item.id, props.taskId, annotationId));
        }
        const annotation = await api.annotation(annotationId);
        if (annotation.headVersion > 0) {
          const decoded = decodeRle8(await api.mask(annotation.id, annotation.headVersion), voxels);
          if (!decoded.ok) throw new ApiError('DLN_REVISION_MASK_INVALID', 'The saved mask does not fit this image', 0);
          map.replace(decoded.voxels);
        }
        let serverCorrection: CorrectionView | null = null;
        if (task && task.stage !== 'annotate' && task.revisionVersion) {
          if (task.revisionVersion === annotation.headVersion) originalRef.current = map.data.slice();
          else {
            const decoded = decodeRle8(await api.mask(annotation.id, task.revisionVersion), voxels);
            if (!decoded.ok) throw new ApiError('DLN_REVISION_MASK_INVALID', 'The reviewed mask does not fit this image', 0);
            originalRef.current = decoded.voxels;
          }
          if (lockedStatuses.includes(task.status)) {
            // A signed review shows what it signed (later stages may have moved the head on).
            const record = [...(context?.history ?? [])].reverse().find((h) => h.stage === task.stage && h.reviewedVersion === task.revisionVersion);
            const signedVersion = record?.correctedVersion ?? task.revisionVersion;
            if (signedVersion !== annotation.headVersion) {
              const decoded = decodeRle8(await api.mask(annotation.id, signedVersion), voxels);
              if (!decoded.ok) throw new ApiError('DLN_REVISION_MASK_INVALID', 'The reviewed mask does not fit this image', 0);
              map.replace(decoded.voxels);
            }
            // A signed correction: the server's overlay.
            if (record?.correctedVersion) {
              const data = await workflowApi.correctionOverlay(task.id, voxels);
              serverCorrection = { source: 'server', data, counts: countOverlay(data) };
            }
          }
        }
        // Marks made before a reload (kept on the server until submitted) come back.
        const kept = task && !lockedStatuses.includes(task.status) ? await workflowApi.keptMarks(task.id).catch(() => []) : [];
        if (cancelled) return;
        if (task) setWf({ task, context, signed: null });
        setMarks(kept);
        marksKeptFor.current = task?.id ?? null;
        if (serverCorrection) setCorrection(serverCorrection);
        mapRef.current = map;
        baseVersionRef.current = annotation.headVersion;
        savedRevisionRef.current = map.revision;
        const labels = item.labelSchema.labels;
        setVisible(new Set(labels.map((l) => l.value)));
        setOpacity(new Map(labels.map((l) => [l.value, 0.5])));
        setLabelValue(labels[labels.length - 1]?.value ?? 1);
        setCursor(start);
        setSaveState({ kind: 'saved', version: annotation.headVersion });
        setLoaded({ item, annotation, dims });
        const draft = await drafts.get(annotation.id).catch(() => undefined);
        if (draft && !cancelled) setOfferedDraft(draft);
        api
          .revisions(annotation.id)
          .then((r) => !cancelled && setRevisions(r))
          .catch(() => undefined);
      } catch (e) {
        if (!cancelled) setError(e);
      }
    })();
    async function loadVolume(itemId: string, dims: Dims, middle: number) {
      const t0 = performance.now();
      // The cursor slice alone first (the first image), then the volume in four slabs at once.
      const queue: { start: number; count: number }[] = [{ start: middle, count: 1 }];
      const slab = Math.ceil(dims.slices / PARALLEL_SLABS);
      for (let s = 0; s < dims.slices; s += slab) queue.push({ start: s, count: Math.min(slab, dims.slices - s) });
      const plane = dims.columns * dims.rows;
      let firstDone = false;
      const fetchSlab = async (next: { start: number; count: number }) => {
        const slab = await api.volumeSlab(itemId, next.start, next.count);
        const scene = sceneRef.current;
        if (!scene || cancelled) return;
        const n = slab.voxels.length / plane;
        for (let k = 0; k < n; k++) {
          if (scene.loaded[slab.first + k]) continue;
          scene.hu.set(slab.voxels.subarray(k * plane, (k + 1) * plane), (slab.first + k) * plane);
          scene.loaded[slab.first + k] = 1;
        }
        scene.version++;
        if (!firstDone) {
          firstDone = true;
          timings.firstImageMs = performance.now() - t0;
        }
        setLoadedSlices(scene.loaded.reduce((a, b) => a + b, 0));
      };
      const worker = async () => {
        for (let next = queue.shift(); next !== undefined && !cancelled; next = queue.shift()) await fetchSlab(next);
      };
      try {
        await fetchSlab(queue.shift()!);
        await Promise.all(Array.from({ length: PARALLEL_SLABS }, worker));
      } catch (e) {
        setError(e);
        return;
      }
      timings.fullVolumeMs = performance.now() - t0;
    }
    return () => {
      cancelled = true;
    };
  }, [props.itemId, props.annotationId, props.taskId]);

  // ---- scene properties from React state ----
  const labels: Label[] = useMemo(() => loaded?.item.labelSchema.labels ?? [], [loaded]);
  useEffect(() => {
    const scene = sceneRef.current;
    if (!scene) return;
    scene.grey = greyLut(wl);
    scene.overlay = labelLut({ colours: new Map(labels.map((l) => [l.value, hexToRgb(l.colour)])), visible, opacity });
    scene.cursor = cursor;
    scene.brushRadiusMm = radius;
    scene.showBrush = !readOnly && (tool === 'brush' || tool === 'eraser' || tool === 'threshold');
    scene.labels = viewing?.data ?? mapRef.current?.data ?? scene.labels;
    scene.compare = compare?.data ?? null;
    scene.correction = showCorrection && !viewing ? (correction?.data ?? null) : null;
    scene.boxes = [
      ...(wf?.context?.significantRegions ?? []).flatMap((m) => (m.box ? [{ min: m.box.min, max: m.box.max, colour: markColours.stored, label: `${m.labelKey} (marked)` }] : [])),
      ...marks.flatMap((m) => (m.box ? [{ min: m.box.min, max: m.box.max, colour: markColours.mine, label: `${m.labelKey} (new mark)` }] : [])),
      ...(drawingBox ? [drawingBox] : []),
    ];
    scene.version++;
  }, [wl, labels, visible, opacity, cursor, radius, tool, viewing, compare, readOnly, loaded, correction, showCorrection, wf, marks, drawingBox]);

  /** Review stages: the overlay of the unsigned edits against the reviewed version, kept current. */
  const refreshLocalCorrection = useCallback(() => {
    const map = mapRef.current;
    const original = originalRef.current;
    if (!map || !original || !reviewStage || locked) return;
    const buffer = correctionBufferRef.current?.length === original.length ? correctionBufferRef.current : new Uint8Array(original.length);
    correctionBufferRef.current = buffer;
    const data = diffOverlay(original, map.data, buffer);
    const counts = countOverlay(data);
    setCorrection(counts.added + counts.removed + counts.relabelled > 0 ? { source: 'local', data, counts } : null);
  }, [reviewStage, locked]);
  useEffect(() => {
    if (saveState.kind !== 'saving') refreshLocalCorrection();
  }, [saveState, refreshLocalCorrection]);

  // ---- edits, drafts ----
  const afterEdit = useCallback(() => {
    bump();
    setSaveState({ kind: 'unsaved' });
    window.clearTimeout(draftTimer.current);
    draftTimer.current = window.setTimeout(() => {
      const map = mapRef.current;
      const annotation = loaded?.annotation;
      if (!map || !annotation || map.revision === savedRevisionRef.current) return;
      const at = new Date().toISOString();
      drafts
        .put({ annotationId: annotation.id, baseVersion: baseVersionRef.current, rle: encodeRle8(map.data), savedAt: at })
        .then(() => setSaveState((s) => (s.kind === 'unsaved' ? { kind: 'draft', at } : s)))
        .catch(() => undefined);
    }, 800);
  }, [bump, loaded]);

  const edit = useCallback(
    (name: string, work: (map: Labelmap) => void) => {
      const map = mapRef.current;
      if (!map || readOnly) return;
      map.begin(name);
      work(map);
      if (map.end()) afterEdit();
    },
    [afterEdit, readOnly],
  );

  /** Moves the cursor to the centre of a marked box. */
  const goToBox = useCallback((box: { min: readonly number[]; max: readonly number[] }) => {
    setCursor([0, 1, 2].map((i) => Math.round(((box.min[i] ?? 0) + (box.max[i] ?? 0)) / 2)) as [number, number, number]);
  }, []);

  const interpolate = useCallback(() => {
    edit('interpolate', (map) => {
      const slices = interpolateSlices(map, 'axial', labelValue);
      setNotice(slices.length ? `Interpolated ${slices.length} slices` : 'Draw the label on at least two slices with a gap between them first');
    });
  }, [edit, labelValue]);

  const undo = useCallback(() => {
    if (!readOnly && mapRef.current?.undo()) afterEdit();
  }, [afterEdit, readOnly]);
  const redo = useCallback(() => {
    if (!readOnly && mapRef.current?.redo()) afterEdit();
  }, [afterEdit, readOnly]);

  // Every change to the marks of an open task is kept on the server at once, so a reload (or a
  // save and a later submit) never loses a mark; submitting records them on the revision.
  const wfTaskId = wf?.task.id ?? null;
  const wfTaskOpen = wf !== null && !lockedStatuses.includes(wf.task.status) && wf.signed === null;
  useEffect(() => {
    if (!wfTaskId || !wfTaskOpen || marksKeptFor.current !== wfTaskId) return;
    workflowApi.keepMarks(wfTaskId, marks).catch((e: unknown) => setWorkflowError(e));
  }, [marks, wfTaskId, wfTaskOpen]);

  // ---- saving ----
  const save = useCallback(async (): Promise<number | null> => {
    const map = mapRef.current;
    const annotation = loaded?.annotation;
    if (!map || !annotation || readOnly) return null;
    setSaveState({ kind: 'saving' });
    const t0 = performance.now();
    const revisionAtSave = map.revision;
    const depthAtSave = map.undoStack.length;
    try {
      const rle = encodeRle8(map.data);
      const result = await api.saveRevision(annotation.id, baseVersionRef.current, rle, keyOf(), reviewStage ? 'correction' : 'human');
      timings.lastSaveMs = performance.now() - t0;
      baseVersionRef.current = result.revision.version;
      savedRevisionRef.current = revisionAtSave;
      savedDepthRef.current = depthAtSave;
      window.clearTimeout(draftTimer.current);
      if (map.revision === revisionAtSave) await drafts.remove(annotation.id).catch(() => undefined);
      setSaveState(map.revision === revisionAtSave ? { kind: 'saved', version: result.revision.version } : { kind: 'unsaved' });
      setRevisions((r) => [...r, result.revision]);
      return map.revision === revisionAtSave ? result.revision.version : null;
    } catch (e) {
      if (e instanceof ApiError && e.code === 'DLN_REVISION_STALE') {
        const currentVersion = Number(e.details?.currentVersion ?? 0);
        // Keep the edits on this computer while the annotator decides.
        await drafts.put({ annotationId: annotation.id, baseVersion: baseVersionRef.current, rle: encodeRle8(map.data), savedAt: new Date().toISOString() }).catch(() => undefined);
        setSaveState({ kind: 'conflict', currentVersion });
      } else {
        setSaveState({ kind: 'failed', error: e });
      }
      return null;
    }
  }, [loaded, readOnly, reviewStage]);

  // ---- the workflow: submit for review, sign a review ----
  /** The version to submit or to name as the correction: saves first when there are unsent edits. */
  const savedVersion = useCallback(async (): Promise<number | null> => {
    const map = mapRef.current;
    if (!map) return null;
    if (map.revision !== savedRevisionRef.current) return save();
    return baseVersionRef.current;
  }, [save]);

  const submitForReview = useCallback(async () => {
    if (!wf || !loaded) return;
    setWorkflowBusy(true);
    setWorkflowError(null);
    try {
      const version = await savedVersion();
      if (!version) throw new ApiError('DLN_CONFLICT', 'Save your annotation before submitting it', 409);
      const result = await workflowApi.submit(wf.task.id, loaded.annotation.id, marks);
      setWf({ ...wf, task: result.task, context: await workflowApi.reviewContext(wf.task.id).catch(() => wf.context) });
      setMarks([]);
      setTool('crosshair');
      setNotice('Submitted for review. The annotation is now read-only.');
    } catch (e) {
      setWorkflowError(e);
    } finally {
      setWorkflowBusy(false);
    }
  }, [wf, loaded, savedVersion, marks]);

  /** The reviewed version when nothing was corrected; else the saved correction (saving unsent edits first). */
  const correctionVersion = useCallback(async (): Promise<number | undefined> => {
    const reviewed = wf?.task.revisionVersion ?? 0;
    const version = await savedVersion();
    if (version === null) throw new ApiError('DLN_CONFLICT', 'The correction could not be saved', 409);
    return version > reviewed ? version : undefined;
  }, [wf, savedVersion]);

  const signReview = useCallback(
    async (body: Omit<ReviewSubmission, 'correctedVersion' | 'significantRegions'>): Promise<ReviewResult> => {
      if (!wf || !reviewStage || !loaded) throw new Error('not a review');
      const correctedVersion = body.decision === 'correct' ? await correctionVersion() : undefined;
      if (body.decision === 'correct' && correctedVersion === undefined) throw new ApiError('DLN_REQUEST_INVALID', 'Edit the mask and save the correction before choosing Correct', 400);
      const result = await workflowApi.review(wf.task.id, reviewStage, {
        ...body,
        ...(correctedVersion !== undefined ? { correctedVersion } : {}),
        significantRegions: marks,
      });
      const [task, context] = await Promise.all([workflowApi.task(wf.task.id), workflowApi.reviewContext(wf.task.id)]);
      setWf({ task: task ?? wf.task, context, signed: { at: result.signedAt, decision: result.review.decision, correctionSizes: result.correctionSizes } });
      setMarks([]);
      setTool('crosshair');
      if (correctedVersion !== undefined) {
        const dims = loaded.dims;
        const data = await workflowApi.correctionOverlay(wf.task.id, dims.columns * dims.rows * dims.slices);
        setCorrection({ source: 'server', data, counts: countOverlay(data) });
        setShowCorrection(true);
      } else setCorrection(null);
      return result;
    },
    [wf, reviewStage, loaded, correctionVersion, marks],
  );

  const fetchVersion = useCallback(
    async (annotationId: string, version: number) => {
      if (!loaded) throw new Error('not loaded');
      const decoded = decodeRle8(await api.mask(annotationId, version), loaded.dims.columns * loaded.dims.rows * loaded.dims.slices);
      if (!decoded.ok) throw new ApiError('DLN_REVISION_MASK_INVALID', 'The saved mask does not fit this image', 0);
      return decoded.voxels;
    },
    [loaded],
  );

  /** Conflict: load the newer revision; with `redoMine`, my unsent edits are applied on top as one undoable step. */
  const loadNewer = useCallback(
    async (version: number, redoMine: boolean) => {
      const map = mapRef.current;
      const annotation = loaded?.annotation;
      if (!map || !annotation) return;
      try {
        const mine: Stroke[] = map.undoStack.slice(savedDepthRef.current);
        const newer = await fetchVersion(annotation.id, version);
        map.replace(newer);
        baseVersionRef.current = version;
        savedDepthRef.current = 0;
        savedRevisionRef.current = map.revision;
        setCompare(null);
        if (redoMine && mine.length) {
          map.replay(mine);
          afterEdit();
          setNotice(`Loaded version ${version} and redid your ${mine.length} edits on it: check them, then save.`);
        } else {
          bump();
          await drafts.remove(annotation.id).catch(() => undefined);
          setSaveState({ kind: 'saved', version });
          setNotice(`Loaded version ${version}.`);
        }
        setRevisions(await api.revisions(annotation.id));
      } catch (e) {
        setError(e);
      }
    },
    [loaded, fetchVersion, afterEdit, bump],
  );

  const compareWith = useCallback(
    async (annotationId: string, version: number, title: string) => {
      try {
        setCompare({ title, data: await fetchVersion(annotationId, version) });
      } catch (e) {
        setError(e);
      }
    },
    [fetchVersion],
  );

  const openReadOnly = useCallback(
    async (annotationId: string, version: number, title: string) => {
      try {
        setViewing({ title, data: await fetchVersion(annotationId, version) });
      } catch (e) {
        setError(e);
      }
    },
    [fetchVersion],
  );

  const restoreDraft = useCallback(
    (draft: Draft) => {
      const map = mapRef.current;
      if (!map || !loaded) return;
      const decoded = decodeRle8(draft.rle, map.data.length);
      if (!decoded.ok) {
        setOfferedDraft(null);
        return;
      }
      map.begin('restore draft');
      for (let i = 0; i < decoded.voxels.length; i++) if (decoded.voxels[i] !== map.data[i]) map.set(i, decoded.voxels[i]!);
      map.end();
      baseVersionRef.current = draft.baseVersion;
      setOfferedDraft(null);
      afterEdit();
    },
    [loaded, afterEdit],
  );

  // ---- pointer handling ----
  const brushOptions = useCallback(
    (erase: boolean) => ({
      radius,
      sphere,
      value: erase ? 0 : labelValue,
      ...(tool === 'threshold' && !erase && sceneRef.current ? { threshold: { ...threshold, hu: sceneRef.current.hu } } : {}),
    }),
    [radius, sphere, labelValue, tool, threshold],
  );

  const setSlice = useCallback(
    (o: Orientation, delta: number) => {
      const scene = sceneRef.current;
      if (!scene) return;
      setCursor((c) => {
        const next: [number, number, number] = [...c];
        const axis = o === 'axial' ? 2 : o === 'coronal' ? 1 : 0;
        const n = sliceCount(scene.dims, o);
        next[axis] = Math.max(0, Math.min(n - 1, c[axis] + delta));
        return next;
      });
    },
    [],
  );

  const handlers: PaneHandlers = useMemo(() => {
    /** The inclusive voxel box between two axial plane points on slice s, clipped to the grid. */
    const markBox = (a: [number, number], b: [number, number], s: number): { min: [number, number, number]; max: [number, number, number] } | null => {
      const scene = sceneRef.current;
      if (!scene) return null;
      const d = scene.dims;
      const clip = (v: number, n: number) => Math.max(0, Math.min(n - 1, Math.round(v)));
      return {
        min: [clip(Math.min(a[0], b[0]), d.columns), clip(Math.min(a[1], b[1]), d.rows), s],
        max: [clip(Math.max(a[0], b[0]), d.columns), clip(Math.max(a[1], b[1]), d.rows), s],
      };
    };
    const voxelAt = (o: Orientation, p: PointerInfo): [number, number, number] | null => {
      const scene = sceneRef.current;
      if (!scene) return null;
      const u = Math.round(p.u);
      const v = Math.round(p.v);
      const d = scene.dims;
      const [x, y, z] = o === 'axial' ? [u, v, p.s] : o === 'coronal' ? [u, p.s, d.slices - 1 - v] : [p.s, u, d.slices - 1 - v];
      if (x < 0 || y < 0 || z < 0 || x >= d.columns || y >= d.rows || z >= d.slices) return null;
      return [x, y, z];
    };
    return {
      onDown(o, p) {
        const map = mapRef.current;
        if (!map) return;
        const right = (p.buttons & 2) !== 0;
        const middle = (p.buttons & 4) !== 0;
        if (right) {
          dragRef.current = { mode: 'wl', o, start: [p.u, p.v], last: [p.u, p.v], erase: false };
          return;
        }
        if (middle || (p.shift && (tool === 'brush' || tool === 'crosshair'))) {
          dragRef.current = { mode: 'pan', o, start: [p.u, p.v], last: [p.u, p.v], erase: false };
          return;
        }
        if (tool === 'mark' && o === 'axial' && !readOnly) {
          // A significant region: a box dragged on this slice (the dialog extends it over slices).
          dragRef.current = { mode: 'mark', o, start: [p.u, p.v], last: [p.u, p.v], erase: false };
          return;
        }
        if (tool === 'crosshair' || tool === 'mark' || readOnly) {
          dragRef.current = { mode: 'cross', o, start: [p.u, p.v], last: [p.u, p.v], erase: false };
          const v = voxelAt(o, p);
          if (v) setCursor(v);
          return;
        }
        if (tool === 'fill') {
          edit('fill', (m) => fill(m, o, p.u, p.v, p.s, labelValue));
          return;
        }
        if (tool === 'rect' || tool === 'circle') {
          dragRef.current = { mode: 'shape', o, start: [p.u, p.v], last: [p.u, p.v], erase: p.shift };
          return;
        }
        const erase = tool === 'eraser';
        map.begin(tool);
        brush(map, o, p.u, p.v, p.s, brushOptions(erase));
        bump();
        dragRef.current = { mode: 'paint', o, start: [p.u, p.v], last: [p.u, p.v], erase };
      },
      onMove(o, p, dx, dy) {
        const drag = dragRef.current;
        const scene = sceneRef.current;
        if (scene && scene.showBrush) bump();
        if (!drag || drag.o !== o) return;
        if (drag.mode === 'paint') {
          const map = mapRef.current;
          if (!map) return;
          brushLine(map, o, drag.last, [p.u, p.v], p.s, brushOptions(drag.erase));
          drag.last = [p.u, p.v];
          bump();
        } else if (drag.mode === 'wl') {
          setWl((w) => ({ width: Math.max(1, w.width + dx * 4), centre: w.centre + dy * 2 }));
        } else if (drag.mode === 'pan') {
          setCameras((c) => ({ ...c, [o]: { ...c[o], panX: c[o].panX + dx, panY: c[o].panY + dy } }));
        } else if (drag.mode === 'cross') {
          const v = voxelAt(o, p);
          if (v) setCursor(v);
        } else if (drag.mode === 'mark') {
          drag.last = [p.u, p.v];
          const box = markBox(drag.start, drag.last, p.s);
          if (box) setDrawingBox({ ...box, colour: markColours.drawing });
        } else {
          drag.last = [p.u, p.v];
        }
      },
      onUp(o, p) {
        const drag = dragRef.current;
        dragRef.current = null;
        if (!drag) return;
        if (drag.mode === 'paint') {
          const map = mapRef.current;
          if (map?.end()) afterEdit();
        } else if (drag.mode === 'shape') {
          const value = drag.erase ? 0 : labelValue;
          if (tool === 'rect') edit('rectangle scissors', (m) => scissorsRect(m, o, drag.start, [p.u, p.v], p.s, value));
          else edit('circle scissors', (m) => scissorsCircle(m, o, drag.start, [p.u, p.v], p.s, value));
        } else if (drag.mode === 'mark') {
          setDrawingBox(null);
          const box = markBox(drag.start, [p.u, p.v], p.s);
          if (box) setPendingMark({ box, labelValue });
        }
      },
      onWheel(o, deltaY, ctrl) {
        if (ctrl) {
          setCameras((c) => ({ ...c, [o]: { ...c[o], zoom: Math.max(0.25, Math.min(16, c[o].zoom * (deltaY < 0 ? 1.15 : 1 / 1.15))) } }));
        } else {
          setSlice(o, deltaY > 0 ? -1 : 1);
        }
      },
    };
  }, [tool, readOnly, labelValue, brushOptions, edit, bump, afterEdit, setSlice]);

  // ---- keyboard ----
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // An open modal dialog (signature, significant region) takes every key, wherever focus is.
      if (document.querySelector('[aria-modal="true"]')) return;
      // Typing in a text or number field is not a shortcut; sliders and checkboxes keep the shortcuts.
      if (e.target instanceof HTMLSelectElement || e.target instanceof HTMLTextAreaElement || (e.target instanceof HTMLInputElement && !['range', 'checkbox'].includes(e.target.type))) return;
      const ctrl = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      if (ctrl && k === 'z') {
        e.preventDefault();
        if (e.shiftKey) redo();
        else undo();
        return;
      }
      if (ctrl && k === 'y') {
        e.preventDefault();
        redo();
        return;
      }
      if (ctrl && k === 's') {
        e.preventDefault();
        void save();
        return;
      }
      if (ctrl || e.altKey) return;
      const byKey = tools.find((t) => t.key.toLowerCase() === k);
      if (byKey) setTool(byKey.id);
      else if (k === 's') setSphere((s) => !s);
      else if (k === '[') setRadius((r) => Math.max(0.5, r - 1));
      else if (k === ']') setRadius((r) => Math.min(50, r + 1));
      else if (k === 'i') interpolate();
      else if (k === 'h')
        setVisible((v) => {
          const next = new Set(v);
          if (next.has(labelValue)) next.delete(labelValue);
          else next.add(labelValue);
          return next;
        });
      else if (k === 'w') {
        const names = Object.keys(windowPresets);
        const current = names.findIndex((n) => windowPresets[n]!.width === wl.width && windowPresets[n]!.centre === wl.centre);
        setWl(windowPresets[names[(current + 1) % names.length]!]!);
      } else if (k === 'l') setLayoutMode((m) => (m === 'mpr' ? 'stack' : 'mpr'));
      else if (k === 'm' && wf && !readOnly) setTool((t) => (t === 'mark' ? 'brush' : 'mark'));
      else if (e.key === '?') setHelp((h) => !h);
      else if (e.key === 'Escape') setHelp(false);
      else if (e.key === 'ArrowUp' || e.key === 'PageUp') setSlice('axial', 1);
      else if (e.key === 'ArrowDown' || e.key === 'PageDown') setSlice('axial', -1);
      else if (/^[1-9]$/.test(e.key)) {
        const label = labels[Number(e.key) - 1];
        if (label) setLabelValue(label.value);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [undo, redo, save, interpolate, labelValue, labels, wl, setSlice, wf, readOnly]);

  useEffect(() => {
    if (!notice) return;
    const timer = window.setTimeout(() => setNotice(null), 5000);
    return () => window.clearTimeout(timer);
  }, [notice]);

  // Warn before closing with unsent edits (the draft is kept anyway).
  useEffect(() => {
    const before = (e: BeforeUnloadEvent) => {
      if (saveState.kind === 'unsaved' || saveState.kind === 'conflict') e.preventDefault();
    };
    window.addEventListener('beforeunload', before);
    return () => window.removeEventListener('beforeunload', before);
  }, [saveState]);

  // ---- test and benchmark hooks (read-only views of the page's state) ----
  useEffect(() => {
    (window as unknown as { __delineate?: unknown }).__delineate = {
      ready: () => loaded !== null,
      loadedSlices: () => sceneRef.current?.loaded.reduce((a, b) => a + b, 0) ?? 0,
      dims: () => loaded?.dims,
      annotationId: () => loaded?.annotation.id,
      baseVersion: () => baseVersionRef.current,
      cursor: () => sceneRef.current?.cursor,
      project: (o: Orientation, u: number, v: number) => projectors.current.get(o)?.(u, v),
      labelCount: (value: number) => mapRef.current?.count(value) ?? 0,
      labelsOnSlice: (z: number, value: number) => {
        const map = mapRef.current;
        if (!map) return 0;
        const plane = map.dims.columns * map.dims.rows;
        let n = 0;
        for (let i = z * plane; i < (z + 1) * plane; i++) if (map.data[i] === value) n++;
        return n;
      },
      maskRle: () => (mapRef.current ? Array.from(encodeRle8(mapRef.current.data)) : []),
      workflowStage: () => wf?.task.stage ?? null,
      readOnly: () => readOnly,
      correctionCounts: () => (correction ? { source: correction.source, ...correction.counts } : null),
      frameStats: () => ({ ...frameStats, times: [...frameStats.times] }),
      timings: () => ({ ...timings }),
    };
  });

  const registerProjector = useCallback((o: Orientation, fn: (u: number, v: number) => { x: number; y: number }) => {
    projectors.current.set(o, fn);
  }, []);

  if (error && !loaded) {
    return (
      <div className="page">
        <ErrorBox error={error} />
        <a href="#/">Back to my work</a>
      </div>
    );
  }
  if (!loaded) return <div className="page">Opening the image…</div>;

  const selected = labels.find((l) => l.value === labelValue);
  const dims = loaded.dims;
  const others = loaded.item.annotations.filter((a) => !a.mine && a.headVersion > 0 && a.id !== loaded.annotation.id);
  const slot = document.getElementById('topbar-slot');

  const stateText = (() => {
    if (viewing) return { cls: 'readonly', text: `Read-only: ${viewing.title}` };
    if (locked && wf) {
      if (wf.task.stage === 'annotate') return { cls: 'readonly', text: `Submitted for review · read-only` };
      return { cls: 'readonly', text: wf.signed ? 'Review signed · read-only' : `${stageNames[wf.task.stage]} ${wf.task.status} · read-only` };
    }
    switch (saveState.kind) {
      case 'saved':
        return { cls: 'saved', text: saveState.version ? `Saved · version ${saveState.version}` : 'Nothing saved yet' };
      case 'unsaved':
        return { cls: 'unsaved', text: 'Unsaved changes' };
      case 'draft':
        return { cls: 'unsaved', text: 'Unsaved · draft kept on this computer' };
      case 'saving':
        return { cls: 'saving', text: 'Saving…' };
      case 'failed':
        return { cls: 'failed', text: 'Not saved · draft kept on this computer' };
      case 'conflict':
        return { cls: 'conflict', text: `Not saved · version ${saveState.currentVersion} exists` };
    }
  })();

  const caption = (o: Orientation) => {
    const n = sliceCount(dims, o);
    return `${o} ${sliceOf(o, cursor) + 1}/${n} · W ${Math.round(wl.width)} L ${Math.round(wl.centre)}`;
  };

  return (
    <>
      {slot &&
        createPortal(
          <span style={{ display: 'flex', gap: 10, alignItems: 'center' }}>
            <span>{loaded.item.modality} · {dims.columns}×{dims.rows}×{dims.slices}</span>
            {loadedSlices < dims.slices && <span data-testid="loading">loading {loadedSlices}/{dims.slices}</span>}
            <span className={`save-state ${stateText.cls}`} data-testid="save-state">
              {stateText.text}
            </span>
            {wf && (
              <span className="stage" data-testid="stage-badge">
                {stageNames[wf.task.stage]}
              </span>
            )}
            <button onClick={() => void save()} disabled={readOnly || saveState.kind === 'saving'} data-testid="save" title={reviewStage ? 'Saves your edits as a correction revision' : undefined}>
              {reviewStage ? 'Save correction' : 'Save'}
            </button>
            <button onClick={() => setHelp(true)} title="Keyboard shortcuts (?)">
              ?
            </button>
          </span>,
          slot,
        )}
      <div className={`workspace${reviewStage ? ' with-review' : ''}`}>
        <div className="panel">
          <h3>Tools</h3>
          <div className="row">
            {tools.map((t) => (
              <button key={t.id} className={tool === t.id ? 'active' : ''} onClick={() => setTool(t.id)} disabled={readOnly} data-testid={`tool-${t.id}`} title={`${t.name} (${t.key})`}>
                {t.name}
              </button>
            ))}
          </div>
          <div className="row">
            <label>
              Size {radius} mm
              <input type="range" min={0.5} max={30} step={0.5} value={radius} onChange={(e) => setRadius(Number(e.target.value))} data-testid="brush-size" />
            </label>
          </div>
          <div className="row">
            <label>
              <input type="checkbox" checked={sphere} onChange={(e) => setSphere(e.target.checked)} /> Sphere (3D)
            </label>
          </div>
          <div className="row">
            HU
            <input style={{ width: 64 }} type="number" value={threshold.lower} onChange={(e) => setThreshold((t) => ({ ...t, lower: Number(e.target.value) }))} aria-label="lower HU" />
            to
            <input style={{ width: 64 }} type="number" value={threshold.upper} onChange={(e) => setThreshold((t) => ({ ...t, upper: Number(e.target.value) }))} aria-label="upper HU" />
          </div>
          <div className="row">
            <button onClick={interpolate} disabled={readOnly} data-testid="interpolate" title="Interpolate (I)">
              Interpolate slices
            </button>
          </div>
          <div className="row">
            <button onClick={undo} disabled={readOnly} data-testid="undo" title="Ctrl+Z">
              Undo
            </button>
            <button onClick={redo} disabled={readOnly} data-testid="redo" title="Ctrl+Y">
              Redo
            </button>
          </div>
          <h3>Window</h3>
          <div className="row">
            {Object.entries(windowPresets).map(([name, preset]) => (
              <button key={name} className={preset.width === wl.width && preset.centre === wl.centre ? 'active' : ''} onClick={() => setWl(preset)} data-testid={`preset-${name}`}>
                {name}
              </button>
            ))}
          </div>
          <h3>Layout</h3>
          <div className="row">
            <button className={layoutMode === 'mpr' ? 'active' : ''} onClick={() => setLayoutMode('mpr')}>
              Three views
            </button>
            <button className={layoutMode === 'stack' ? 'active' : ''} onClick={() => setLayoutMode('stack')} data-testid="layout-stack">
              Stack
            </button>
            <button onClick={() => setCameras({ axial: { zoom: 1, panX: 0, panY: 0 }, coronal: { zoom: 1, panX: 0, panY: 0 }, sagittal: { zoom: 1, panX: 0, panY: 0 } })}>Reset zoom</button>
          </div>
          <h3>Revisions</h3>
          {viewing && (
            <div className="row">
              <button onClick={() => setViewing(null)} data-testid="back-to-mine">
                Back to my annotation
              </button>
            </div>
          )}
          <div className="row" style={{ flexDirection: 'column', alignItems: 'stretch' }}>
            {revisions.map((r) => (
              <button key={r.version} onClick={() => void openReadOnly(loaded.annotation.id, r.version, `my version ${r.version}`)} data-testid={`open-revision-${r.version}`}>
                Version {r.version}
                {r.source === 'correction' ? ' (correction)' : ''} · {new Date(r.createdAt).toLocaleString()}
              </button>
            ))}
            {others.map((a, i) => (
              <button key={a.id} onClick={() => void openReadOnly(a.id, a.headVersion, `reader ${i + 1}, version ${a.headVersion}`)}>
                Other reader {i + 1} · version {a.headVersion}
              </button>
            ))}
            {compare && (
              <button onClick={() => setCompare(null)} data-testid="end-compare">
                Hide comparison ({compare.title})
              </button>
            )}
          </div>
        </div>
        <div className={`views ${layoutMode}`}>
          <ViewPane orientation="axial" scene={sceneRef} camera={cameras.axial} handlers={handlers} caption={caption('axial')} registerProjector={registerProjector} />
          {layoutMode === 'mpr' && (
            <>
              <ViewPane orientation="sagittal" scene={sceneRef} camera={cameras.sagittal} handlers={handlers} caption={caption('sagittal')} registerProjector={registerProjector} />
              <ViewPane orientation="coronal" scene={sceneRef} camera={cameras.coronal} handlers={handlers} caption={caption('coronal')} registerProjector={registerProjector} />
              <div className="pane" style={{ padding: 10, fontSize: 12, color: '#aab2bd' }}>
                <p>
                  Cursor voxel {cursor[0]}, {cursor[1]}, {cursor[2]}
                  {sceneRef.current?.loaded[cursor[2]] ? ` · ${sceneRef.current.hu[cursor[0] + dims.columns * (cursor[1] + dims.rows * cursor[2])]} HU` : ''}
                </p>
                <p>Spacing {dims.spacing.map((s) => s.toFixed(2)).join(' × ')} mm</p>
                <p>Press ? for keyboard shortcuts.</p>
              </div>
            </>
          )}
        </div>
        <div className="panel right">
          {wf && !reviewStage && (
            <AnnotatePanel
              task={wf.task}
              locked={locked}
              busy={workflowBusy}
              error={workflowError}
              unsaved={saveState.kind !== 'saved'}
              marks={marks}
              storedMarks={wf.context?.significantRegions ?? []}
              markTool={tool === 'mark'}
              onMarkTool={() => setTool((t) => (t === 'mark' ? 'brush' : 'mark'))}
              onRemoveMark={(i) => setMarks((m) => m.filter((_, k) => k !== i))}
              onGoTo={goToBox}
              onSubmit={() => void submitForReview()}
            />
          )}
          <h3>Labels · {loaded.item.labelSchema.name} v{loaded.item.labelSchema.version}</h3>
          {labels.map((l, i) => (
            <div key={l.value} className={`label-item ${l.value === labelValue ? 'selected' : ''}`} onClick={() => setLabelValue(l.value)} data-testid={`label-${l.key}`}>
              <span className="swatch" style={{ background: l.colour }} />
              <span style={{ flex: 1 }}>
                {i + 1}. {l.name}
              </span>
              <input
                type="checkbox"
                title="visible"
                checked={visible.has(l.value)}
                onClick={(e) => e.stopPropagation()}
                onChange={(e) =>
                  setVisible((v) => {
                    const next = new Set(v);
                    if (e.target.checked) next.add(l.value);
                    else next.delete(l.value);
                    return next;
                  })
                }
                data-testid={`visible-${l.key}`}
              />
              <input
                type="range"
                title="opacity"
                min={0}
                max={1}
                step={0.05}
                style={{ width: 60 }}
                value={opacity.get(l.value) ?? 0.5}
                onClick={(e) => e.stopPropagation()}
                onChange={(e) => setOpacity((m) => new Map(m).set(l.value, Number(e.target.value)))}
              />
            </div>
          ))}
          {selected && (
            <div className="definition" data-testid="label-definition">
              <h3>Definition</h3>
              <p>{selected.definition}</p>
              <h3>Include</h3>
              <ul>
                {selected.inclusion.map((t) => (
                  <li key={t}>{t}</li>
                ))}
              </ul>
              <h3>Exclude</h3>
              <ul>
                {selected.exclusion.map((t) => (
                  <li key={t}>{t}</li>
                ))}
              </ul>
              <h3>Reference standard</h3>
              <p>
                <strong>{selected.referenceStandard.title}</strong>
              </p>
              <p>{selected.referenceStandard.citation}</p>
              <p>
                {selected.concept.scheme} {selected.concept.value}: {selected.concept.meaning}
              </p>
            </div>
          )}
        </div>
        {wf && reviewStage && wf.context && (
          <ReviewPanel
            stage={reviewStage}
            task={wf.task}
            context={wf.context}
            labels={labels}
            locked={locked}
            signed={wf.signed}
            correction={correction}
            showCorrection={showCorrection}
            onShowCorrection={setShowCorrection}
            correctionAvailable={(correction?.counts.added ?? 0) + (correction?.counts.removed ?? 0) + (correction?.counts.relabelled ?? 0) > 0}
            marks={marks}
            markTool={tool === 'mark'}
            onMarkTool={() => setTool((t) => (t === 'mark' ? 'brush' : 'mark'))}
            onRemoveMark={(i) => setMarks((m) => m.filter((_, k) => k !== i))}
            onGoTo={goToBox}
            sign={signReview}
          />
        )}
      </div>
      {pendingMark && (
        <MarkDialog
          pending={pendingMark}
          labels={labels}
          slices={dims.slices}
          onAdd={(mark) => {
            setMarks((m) => [...m, mark]);
            setPendingMark(null);
          }}
          onCancel={() => setPendingMark(null)}
        />
      )}
      {notice && (
        <div className="overlay" style={{ background: 'transparent', pointerEvents: 'none', alignItems: 'flex-end', paddingBottom: 24 }}>
          <div className="notice" style={{ pointerEvents: 'auto' }} data-testid="notice" onClick={() => setNotice(null)}>
            {notice}
          </div>
        </div>
      )}
      {error !== null && (
        <div className="overlay" onClick={() => setError(null)}>
          <div className="card">
            <ErrorBox error={error} />
            <button>Close</button>
          </div>
        </div>
      )}
      {saveState.kind === 'failed' && (
        <div style={{ position: 'fixed', bottom: 12, left: 240 }}>
          <ErrorBox error={saveState.error} />
        </div>
      )}
      {offeredDraft && (
        <div className="overlay">
          <div className="card" data-testid="draft-offer">
            <h1>Unsent work found</h1>
            <p>
              Edits from {new Date(offeredDraft.savedAt).toLocaleString()} were never saved to the server (they were made on version {offeredDraft.baseVersion}
              {offeredDraft.baseVersion < loaded.annotation.headVersion ? `; version ${loaded.annotation.headVersion} has been saved since, so saving will ask you to resolve the difference` : ''}).
            </p>
            <div className="actions">
              <button onClick={() => restoreDraft(offeredDraft)} data-testid="restore-draft">
                Restore my unsent work
              </button>
              <button
                onClick={() => {
                  void drafts.remove(offeredDraft.annotationId);
                  setOfferedDraft(null);
                }}
                data-testid="discard-draft"
              >
                Discard it
              </button>
            </div>
          </div>
        </div>
      )}
      {saveState.kind === 'conflict' && (
        <div className="overlay">
          <div className="card" data-testid="conflict">
            <h1>Someone else saved first</h1>
            <p>
              Version {saveState.currentVersion} of this annotation was saved after you opened version {baseVersionRef.current}. Your edits have <strong>not</strong> been sent, and nothing was overwritten. They are kept on this computer.
            </p>
            <div className="actions" style={{ flexDirection: 'column', alignItems: 'stretch' }}>
              <button onClick={() => void compareWith(loaded.annotation.id, saveState.currentVersion, `version ${saveState.currentVersion}`).then(() => setSaveState({ kind: 'unsaved' }))} data-testid="conflict-compare">
                Compare: show version {saveState.currentVersion} as an outline over my work
              </button>
              <button onClick={() => void loadNewer(saveState.currentVersion, true)} data-testid="conflict-redo">
                Load version {saveState.currentVersion} and redo my edits on it
              </button>
              <button onClick={() => void loadNewer(saveState.currentVersion, false)} data-testid="conflict-load">
                Load version {saveState.currentVersion} and drop my edits
              </button>
            </div>
          </div>
        </div>
      )}
      {help && (
        <div className="overlay" onClick={() => setHelp(false)}>
          <div className="card" data-testid="help">
            <h1>Keyboard shortcuts</h1>
            <table className="keys">
              <tbody>
                {shortcuts.map(([k, what]) => (
                  <tr key={k}>
                    <td>
                      <kbd>{k}</kbd>
                    </td>
                    <td>{what}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </>
  );
}

/** Load and save timings of the open item, for the benchmark. */
const timings: { firstImageMs?: number; fullVolumeMs?: number; lastSaveMs?: number } = {};
