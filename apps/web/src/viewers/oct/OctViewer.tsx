import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { createPortal } from 'react-dom';
import { boundaryIndex, octBoundaries } from '@delineate/core';
import { api, ApiError, describeError } from '../../api';
import { drafts } from '../../drafts';
import { SaveController, type SaveState } from '../../workspace/save-controller';
import type { ViewerProps } from '../../workspace/viewer-contract';
import { boundaryRow, bscanPixels, dragKnot, knotsOf, markAbsent, propagateBoundary, snapBoundary, strokeHeights, writeHeights, type Knot } from './boundary-edit';
import { BoundaryEdits } from './boundary-edits';
import { bscanView, toScreen, toStored } from './bscan-view';
import { bscanAt, enFaceProjection, localizerLayout, projectionLayout, type EnFaceLayout } from './en-face';
import { photoLevel } from '../fundus/fundus-api';
import { octApi, type OctMeasuresView, type OctVolumeView } from './oct-api';
import { drawBScan, drawEnFace, projectionImage, type BScanDrawing } from './oct-canvas';
import { OctControls } from './OctControls';
import { boundaryOfKey, octTools, orderRefusalWords, type OctToolId } from './oct-words';

const BSCAN_WIDTH = 640;
const EN_FACE_WIDTH = 200;
const noSubscription = () => () => undefined;
const nothingSaved: SaveState = { kind: 'saved', version: 0 };

/**
 * The OCT workspace (issue 20): one B-scan with all eleven boundaries in their colours, the
 * en-face view with every B-scan's line (click one to go there), and the tools: drag the
 * selected boundary's spline knots, draw it, snap it between two clicks along the strongest edge,
 * mark A-scans absent, copy or propagate it to the neighbouring B-scan. Saves go through the
 * shell's save controller (If-Match, Idempotency-Key, drafts, conflicts) to the OCT route, which
 * checks boundary order and derives the thickness measures shown beside the image.
 */
export function OctViewer(props: ViewerProps) {
  const { item, annotationId, onError } = props;
  const [volume, setVolume] = useState<OctVolumeView | null>(null);
  const [pixels, setPixels] = useState<Int16Array | null>(null);
  const [edits, setEdits] = useState<BoundaryEdits | null>(null);
  const [saves, setSaves] = useState<SaveController<unknown> | null>(null);
  const [bscan, setBscan] = useState(0);
  const [boundary, setBoundary] = useState(0);
  const [tool, setTool] = useState<OctToolId>('snap');
  const [stretch, setStretch] = useState(1);
  const [flatten, setFlatten] = useState(false);
  const [knotEvery, setKnotEvery] = useState(32);
  const [pending, setPending] = useState<BScanDrawing['pending']>(null);
  const [measures, setMeasures] = useState<OctMeasuresView | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [drawn, setDrawn] = useState(0);
  const [localizer, setLocalizer] = useState<{ image: CanvasImageSource; layout: EnFaceLayout } | null>(null);
  const [localizerChecked, setLocalizerChecked] = useState(false);
  const bscanCanvas = useRef<HTMLCanvasElement>(null);
  const enFaceCanvas = useRef<HTMLCanvasElement>(null);
  const drag = useRef<{ knot: number; knots: Knot[] } | null>(null);
  const editable = props.tool !== null;
  const saveState = useSyncExternalStore(saves ? (l) => saves.subscribe(l) : noSubscription, () => saves?.state ?? nothingSaved);
  const progress = useRef(props.onImageProgress);
  progress.current = props.onImageProgress;

  const showMeasures = useCallback((version: number) => (version > 0 ? octApi.measures(annotationId, version).then((r) => setMeasures(r.measures)) : Promise.resolve()), [annotationId]);

  // The volume's sampling, its B-scans, and the head boundary revision (with its measures).
  useEffect(() => {
    let cancelled = false;
    let controller: SaveController<unknown> | null = null;
    void (async () => {
      const info = await octApi.volume(item.id);
      const slab = await api.volumeSlab(item.id, 0, info.bscans);
      const history = await octApi.revisions(annotationId);
      const head = history.revisions[history.revisions.length - 1]?.version ?? 0;
      const set = await octApi.boundaries(annotationId, head, info);
      if (cancelled) return;
      const model = new BoundaryEdits(set);
      model.onChange = () => setDrawn((n) => n + 1);
      controller = new SaveController<unknown>({ annotationId, map: model as never, baseVersion: head, source: 'human', drafts });
      setVolume(info);
      setPixels(slab.voxels);
      setBscan(info.fovea?.bscan ?? Math.floor(info.bscans / 2));
      setEdits(model);
      setSaves(controller);
      progress.current(info.bscans, info.bscans);
      await showMeasures(head);
      // The near-infrared localizer when it came with the volume; else the projection stays.
      const located = await octApi.localizer(item.id);
      if (located.localizerItemId && located.width && located.height && located.lines.length === info.bscans) {
        const image = await photoLevel(located.localizerItemId, 0);
        if (!cancelled) setLocalizer({ image, layout: localizerLayout({ width: located.width, height: located.height, lines: located.lines }, EN_FACE_WIDTH) });
      }
      if (!cancelled) setLocalizerChecked(true);
      // Unsent edits of an earlier visit on this version come back as one undoable edit.
      const draft = await controller.findDraft();
      if (draft && draft.baseVersion === head && !cancelled) controller.restoreDraft(draft);
    })().catch(onError);
    return () => {
      cancelled = true;
      controller?.dispose();
    };
  }, [item.id, annotationId, onError, showMeasures]);

  const set = edits?.set ?? null;
  const bm = useMemo(() => (set && flatten ? boundaryRow(set, boundaryIndex('BM'), bscan).heights : null), [set, flatten, bscan, drawn]);
  const view = useMemo(() => (volume ? bscanView(volume.ascans, BSCAN_WIDTH, stretch, bm) : null), [volume, stretch, bm]);
  const knots = useMemo(() => (set && tool === 'knots' ? knotsOf(boundaryRow(set, boundary, bscan).heights, knotEvery) : []), [set, tool, boundary, bscan, knotEvery, drawn]);
  const projection = useMemo(() => (volume && pixels ? projectionImage(enFaceProjection(pixels, volume.bscans, volume.rows, volume.ascans), volume.bscans, volume.ascans) : null), [volume, pixels]);
  const enFace = useMemo(() => localizer ?? (volume && projection ? { image: projection, layout: projectionLayout(volume, EN_FACE_WIDTH) } : null), [localizer, volume, projection]);
  const layout = enFace?.layout ?? null;
  const current = volume && pixels ? bscanPixels(pixels, bscan, volume.rows, volume.ascans) : null;

  useEffect(() => {
    if (!bscanCanvas.current || !volume || !current || !view || !set) return;
    drawBScan(bscanCanvas.current, { pixels: current, rows: volume.rows, ascans: volume.ascans, view, set, bscan, selected: boundary, knots: drag.current?.knots ?? knots, pending });
  }, [volume, current, view, set, bscan, boundary, knots, pending, drawn]);
  useEffect(() => {
    if (enFaceCanvas.current && enFace) drawEnFace(enFaceCanvas.current, enFace.image, enFace.layout, bscan);
  }, [enFace, bscan]);

  const stepBscan = useCallback((d: number) => setBscan((s) => Math.max(0, Math.min((volume?.bscans ?? 1) - 1, s + d))), [volume]);
  const edit = (what: string, rows: Array<{ boundary: number; bscan: number }>, change: Parameters<BoundaryEdits['edit']>[2]) => {
    if (!edits || !editable) return;
    setRefusal(null);
    edits.edit(what, rows, change);
  };
  const propagate = (direction: 1 | -1, follow: boolean) => {
    if (!volume || !pixels) return;
    const to = bscan + direction;
    if (to < 0 || to >= volume.bscans) return;
    edit(follow ? 'propagate' : 'copy', [{ boundary, bscan: to }], (s) => propagateBoundary(s, boundary, bscan, to, bscanPixels(pixels, to, volume.rows, volume.ascans), volume.rows, follow));
    setBscan(to);
  };

  const save = async () => {
    if (!saves) return;
    setRefusal(null);
    const revision = await saves.save();
    const state = saves.state;
    if (revision) await showMeasures(revision.version).catch(onError);
    else if (state.kind === 'failed') {
      const error = state.error;
      const words = error instanceof ApiError && error.code === 'DLN_OCT_BOUNDARY_ORDER' ? orderRefusalWords(error.details) : null;
      setRefusal(words ?? `Not saved: ${describeError(error).text}`);
    }
  };
  const resolveConflict = async (choice: 'theirs' | 'mine') => {
    if (!saves || !edits || !volume || saves.state.kind !== 'conflict') return;
    const theirs = saves.state.currentVersion;
    if (choice === 'theirs') {
      edits.load(await octApi.boundaries(annotationId, theirs, volume));
      saves.rebase(theirs);
      await saves.discardDraft();
      await showMeasures(theirs);
    } else {
      saves.restoreDraft({ annotationId, baseVersion: theirs, ...edits.draftOf(), savedAt: new Date().toISOString() });
      await save();
    }
  };

  const { shortcuts } = props;
  useEffect(
    () =>
      shortcuts.set('viewer', [
        { keys: ['arrowup', 'arrowdown'], display: '↑ / ↓', description: 'next / previous B-scan', run: (key) => stepBscan(key === 'ArrowUp' ? 1 : -1) },
        { keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-'], display: '1 … 9, 0, −', description: 'select a boundary (ILM … IZ, RPE, BM)', run: (key) => setBoundary((b) => boundaryOfKey(key) ?? b) },
        ...octTools.map((t) => ({ keys: [t.key], display: t.key.toUpperCase(), description: t.help, run: () => setTool(t.id) })),
      ]),
    [shortcuts, stepBscan],
  );

  const stored = (e: React.PointerEvent<HTMLCanvasElement>): Knot => {
    const box = e.currentTarget.getBoundingClientRect();
    return toStored(view!, e.clientX - box.left, e.clientY - box.top);
  };
  const rows = volume?.rows ?? 0;
  const onPointerDown = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (!editable || !view || !set || !current || e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const at = stored(e);
    if (tool === 'snap') {
      if (pending?.kind !== 'snap') return setPending({ kind: 'snap', from: at });
      const from = pending.from;
      setPending(null);
      edit('snap', [{ boundary, bscan }], (s) => snapBoundary(s, boundary, bscan, current, rows, from, at));
    } else if (tool === 'stroke') setPending({ kind: 'stroke', points: [at] });
    else if (tool === 'absent') setPending({ kind: 'absent', from: at.ascan, to: at.ascan });
    else {
      const [px, py] = toScreen(view, at.ascan, at.row);
      const hit = knots.findIndex((k) => Math.hypot(toScreen(view, k.ascan, k.row)[0] - px, toScreen(view, k.ascan, k.row)[1] - py) < 8);
      if (hit >= 0) drag.current = { knot: hit, knots: [...knots] };
    }
  };
  const onPointerMove = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (!view) return;
    const at = stored(e);
    if (pending?.kind === 'stroke') setPending({ kind: 'stroke', points: [...pending.points, at] });
    else if (pending?.kind === 'absent') setPending({ ...pending, to: at.ascan });
    else if (drag.current) {
      drag.current.knots[drag.current.knot] = { ascan: drag.current.knots[drag.current.knot]!.ascan, row: at.row };
      setDrawn((n) => n + 1);
    }
  };
  const onPointerUp = () => {
    if (pending?.kind === 'stroke') {
      const { first, heights } = strokeHeights(pending.points, set!.ascans);
      setPending(null);
      if (heights.length > 1) edit('draw', [{ boundary, bscan }], (s) => writeHeights(s, boundary, bscan, first, heights, rows));
    } else if (pending?.kind === 'absent') {
      const { from, to } = pending;
      setPending(null);
      edit('mark absent', [{ boundary, bscan }], (s) => markAbsent(s, boundary, bscan, from, to));
    } else if (drag.current) {
      const { knot, knots: moved } = drag.current;
      drag.current = null;
      edit('drag knot', [{ boundary, bscan }], (s) => dragKnot(s, boundary, bscan, knots, knot, moved[knot]!.row, rows));
    }
  };
  const onEnFaceClick = (e: React.MouseEvent<HTMLCanvasElement>) => {
    if (!layout) return;
    const box = e.currentTarget.getBoundingClientRect();
    const picked = bscanAt(layout, e.clientX - box.left, e.clientY - box.top, 6);
    if (picked !== null) setBscan(picked);
  };

  // The shell copies these hooks when it renders: they read the latest state through a ref.
  const latest = useRef({ volume, set, bscan, boundary, tool, saveState, measures, view, layout, localizer, localizerChecked });
  latest.current = { volume, set, bscan, boundary, tool, saveState, measures, view, layout, localizer, localizerChecked };
  const { exposeForTests } = props;
  useEffect(
    () =>
      exposeForTests({
        octReady: () => latest.current.set !== null && latest.current.view !== null && latest.current.localizerChecked,
        octEnFaceKind: () => (latest.current.localizer ? 'localizer' : 'projection'),
        octPosition: () => ({ bscan: latest.current.bscan, boundary: octBoundaries[latest.current.boundary], tool: latest.current.tool }),
        octSaveState: () => latest.current.saveState,
        octMeasures: () => latest.current.measures,
        octHeights: ((b: string, s: number) => {
          const row = boundaryRow(latest.current.set!, boundaryIndex(b as never), s);
          return { heights: [...row.heights].map((h) => (Number.isNaN(h) ? null : h)), states: [...row.states] };
        }) as (...args: never[]) => unknown,
        bscanToPage: ((ascan: number, row: number) => {
          const box = bscanCanvas.current!.getBoundingClientRect();
          const [x, y] = toScreen(latest.current.view!, ascan, row);
          return { x: box.left + x, y: box.top + y };
        }) as (...args: never[]) => unknown,
        enFaceToPage: ((s: number) => {
          const box = enFaceCanvas.current!.getBoundingClientRect();
          const line = latest.current.layout!.lines[s]!;
          return { x: box.left + (line.x0 + line.x1) / 2, y: box.top + (line.y0 + line.y1) / 2 };
        }) as (...args: never[]) => unknown,
      }),
    [exposeForTests],
  );

  const height = volume && view ? Math.round(volume.rows * view.yScale) : 0;
  return (
    <>
      {props.controls &&
        createPortal(
          <OctControls
            volume={volume}
            editable={editable && saves !== null}
            boundary={boundary}
            onBoundary={setBoundary}
            tool={tool}
            onTool={(t) => {
              setTool(t);
              setPending(null);
            }}
            stretch={stretch}
            onStretch={setStretch}
            flatten={flatten}
            onFlatten={setFlatten}
            knotEvery={knotEvery}
            onKnotEvery={setKnotEvery}
            bscan={bscan}
            onPropagate={propagate}
            onUndo={() => edits?.undo()}
            onSave={() => void save()}
            saveState={saveState}
            refusal={refusal}
            onConflict={(choice) => void resolveConflict(choice).catch(onError)}
            measures={measures}
          />,
          props.controls,
        )}
      {/* Not the shell's .pane: it stretches every canvas over the pane, and these two sit side by side at their own sizes. */}
      <div style={{ overflow: 'auto', minHeight: 0, background: '#000' }} data-testid="oct-views">
        <div style={{ display: 'flex', padding: 8, alignItems: 'flex-start', gap: 12 }}>
          <div>
            <div className="row" data-testid="oct-steppers">
              <button onClick={() => stepBscan(-1)} aria-label="Previous B-scan">
                ◀
              </button>
              <span data-testid="oct-bscan">
                B-scan {bscan + 1} of {volume?.bscans ?? '…'}
              </span>
              <button onClick={() => stepBscan(1)} aria-label="Next B-scan">
                ▶
              </button>
            </div>
            <canvas
              ref={bscanCanvas}
              width={BSCAN_WIDTH}
              height={height}
              style={{ width: BSCAN_WIDTH, height, cursor: editable ? 'crosshair' : 'default', touchAction: 'none' }}
              data-testid="oct-bscan-canvas"
              onPointerDown={onPointerDown}
              onPointerMove={onPointerMove}
              onPointerUp={onPointerUp}
            />
            {!pixels && <p>Loading the B-scans…</p>}
          </div>
          <div>
            <p data-testid="oct-en-face-kind">{localizer ? 'Near-infrared localizer' : 'En-face projection (mean reflectivity per A-scan)'}; click a line to open that B-scan</p>
            <canvas ref={enFaceCanvas} width={EN_FACE_WIDTH} height={layout?.height ?? 0} style={{ width: EN_FACE_WIDTH, height: layout?.height ?? 0, cursor: 'pointer' }} data-testid="oct-en-face" onClick={onEnFaceClick} />
          </div>
        </div>
      </div>
    </>
  );
}
