import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { api, describeError } from '../../api';
import { modalityDisplay, valueRange } from '../../viewer/modality-presets';
import type { WindowLevel } from '../../viewer/render';
import type { ViewerProps } from '../../workspace/viewer-contract';
import { cineApi, type CardiacReadingView, type CineShapeView, type ContourKind } from './cine-api';
import { drawPlane } from './cine-canvas';
import { canvasToImage, contourKinds, contoursToSave, copyContours, planeKey, planeOf, thinStroke, withContour, type ContourBook } from './cine-contours';
import { CineMontage } from './CineMontage';
import { montageModel } from './cine-montage';
import { MeasuresPanel, PhasesPanel, VolumeCurve } from './CinePanels';

const VIEW_SIZE = 512;

/**
 * The cardiac cine workspace: one short-axis slice at one phase, stepped or played over the
 * cycle; the reader outlines LV endocardium, LV epicardium and RV endocardium (click a polygon and
 * press Enter, or drag freehand), saves them as the next revision (the server rasterises them),
 * and reads the volume curve, ED/ES and the measures the server computes from what was saved.
 */
export function CineViewer(props: ViewerProps) {
  const { item, dims } = props;
  const [shape, setShape] = useState<CineShapeView | null>(null);
  const [values, setValues] = useState<Int16Array | null>(null);
  const [wl, setWl] = useState<WindowLevel | null>(null);
  const [slice, setSlice] = useState(0);
  const [phase, setPhase] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [kind, setKind] = useState<ContourKind>('lvEndocardium');
  const [book, setBook] = useState<ContourBook>(new Map());
  const [pending, setPending] = useState<number[]>([]);
  const [reading, setReading] = useState<CardiacReadingView | null>(null);
  const [message, setMessage] = useState<{ text: string; refusal: boolean } | null>(null);
  const [saving, setSaving] = useState(false);
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const stroke = useRef<{ points: number[]; moved: boolean } | null>(null);
  const readOnly = props.tool === null;
  const annotationId = props.annotationId;
  const scale = Math.max(1, Math.floor(VIEW_SIZE / Math.max(dims.columns, dims.rows)));
  const { onError } = props;
  // The shell passes a new progress callback on each render; the image loads once per item.
  const progress = useRef(props.onImageProgress);
  progress.current = props.onImageProgress;

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      try {
        const cine = await cineApi.shape(item.id);
        if (cancelled) return;
        setShape(cine);
        setSlice(Math.floor(cine.slices / 2));
        const slab = await api.volumeSlab(item.id, 0, dims.slices);
        if (cancelled) return;
        setValues(slab.voxels);
        setWl(modalityDisplay(item.modality, valueRange(slab.voxels)).initial);
        progress.current(dims.slices, dims.slices);
      } catch (error) {
        if (!cancelled) onError(error);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [item.id, item.modality, dims.slices, onError]);

  const loadReading = useCallback(() => cineApi.reading(annotationId).then(setReading, onError), [annotationId, onError]);
  useEffect(() => void loadReading(), [loadReading]);

  const phases = shape?.phases ?? 1;
  const slices = shape?.slices ?? 1;
  const plane = planeOf(slice, phase, slices);
  const planeSize = dims.columns * dims.rows;
  useEffect(() => {
    if (!canvas.current || !wl) return;
    drawPlane(canvas.current, {
      columns: dims.columns,
      rows: dims.rows,
      scale,
      values: values ? values.subarray(plane * planeSize, (plane + 1) * planeSize) : null,
      window: wl,
      labels: props.layers.shown.subarray(plane * planeSize, (plane + 1) * planeSize),
      labelColours: props.labels,
      contours: book.get(planeKey(slice, phase)),
      pending,
      pendingColour: contourKinds.find((k) => k.kind === kind)!.colour,
    });
  }, [values, wl, plane, planeSize, dims, scale, props.layers.shown, props.layers.version, props.labels, book, slice, phase, pending, kind]);

  // Playback steps through the phases at the acquisition's own pace (trigger times), else 20 per second.
  useEffect(() => {
    if (!playing || !shape) return;
    const times = shape.triggerTimes;
    const step = times.length > 1 && times[0] !== null && times[1] !== null ? Math.max(20, times[1]! - times[0]!) : 50;
    const timer = window.setInterval(() => setPhase((p) => (p + 1) % shape.phases), step);
    return () => window.clearInterval(timer);
  }, [playing, shape]);

  const closePolygon = useCallback(() => {
    if (pending.length < 6) return;
    setBook((b) => withContour(b, slice, phase, kind, pending));
    setPending([]);
  }, [pending, slice, phase, kind]);

  const stepSlice = useCallback((d: number) => setSlice((s) => Math.max(0, Math.min(slices - 1, s + d))), [slices]);
  const stepPhase = useCallback((d: number) => setPhase((p) => (p + d + phases) % phases), [phases]);
  const copyTo = (to: { slice: number; phase: number }) => {
    setBook((b) => copyContours(b, { slice, phase }, to));
    setSlice(to.slice);
    setPhase(to.phase);
  };

  const save = async () => {
    const contours = contoursToSave(book);
    if (contours.length === 0 || !reading) return;
    setSaving(true);
    setMessage(null);
    try {
      const saved = await cineApi.saveContours(annotationId, reading.version, contours);
      setMessage({ text: `Saved as version ${saved.revision.version}.`, refusal: false });
      await loadReading();
    } catch (error) {
      const { text, code } = describeError(error);
      setMessage({ text: `Not saved: ${text} (${code})`, refusal: true });
    } finally {
      setSaving(false);
    }
  };
  const designate = (ed: number, es: number) =>
    void cineApi.designate(annotationId, ed, es).then(
      () => loadReading(),
      (error: unknown) => setMessage({ text: `End-diastole and end-systole not set: ${describeError(error).text}`, refusal: true }),
    );

  const { shortcuts } = props;
  useEffect(
    () =>
      shortcuts.set('viewer', [
        { keys: ['arrowup', 'arrowdown'], display: '↑ / ↓', description: 'next / previous slice', run: (key) => stepSlice(key === 'ArrowUp' ? 1 : -1) },
        { keys: ['arrowright', 'arrowleft'], display: '→ / ←', description: 'next / previous phase', run: (key) => stepPhase(key === 'ArrowRight' ? 1 : -1) },
        { keys: ['p'], display: 'P', description: 'play / pause the cine', run: () => setPlaying((v) => !v) },
        { keys: ['enter'], display: 'Enter', description: 'close the polygon being drawn', run: closePolygon },
        { keys: ['backspace'], display: 'Backspace', description: 'drop the polygon being drawn', run: () => setPending([]) },
        { keys: [], display: 'click / drag', description: 'add a polygon point / draw a contour freehand' },
      ]),
    [shortcuts, stepSlice, stepPhase, closePolygon],
  );

  const pointOf = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    return canvasToImage(e.clientX - box.left, e.clientY - box.top, scale);
  };
  const onPointerDown = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (readOnly || e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    stroke.current = { points: pointOf(e), moved: false };
  };
  const onPointerMove = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const s = stroke.current;
    if (!s) return;
    const [x, y] = pointOf(e);
    if (Math.hypot(x - s.points[0]!, y - s.points[1]!) > 1) s.moved = true;
    if (s.moved) {
      s.points.push(x, y);
      setPending([...s.points]);
    }
  };
  const onPointerUp = () => {
    const s = stroke.current;
    stroke.current = null;
    if (!s) return;
    if (s.moved) {
      // A drag is a freehand contour, closed back to where it started.
      const points = thinStroke(s.points);
      if (points.length >= 6) setBook((b) => withContour(b, slice, phase, kind, points));
      setPending([]);
    } else setPending((p) => [...p, s.points[0]!, s.points[1]!]);
  };

  // The shell copies these hooks when it renders, not when the viewer does: they read the latest state.
  const latest = useRef({ values, reading, slice, phase, slices, phases, book });
  latest.current = { values, reading, slice, phase, slices, phases, book };
  const { exposeForTests } = props;
  useEffect(
    () =>
      exposeForTests({
        cineReady: () => latest.current.values !== null && latest.current.reading !== null,
        cinePosition: () => ({ slice: latest.current.slice, phase: latest.current.phase, slices: latest.current.slices, phases: latest.current.phases }),
        imageToPage: ((x: number, y: number) => {
          const box = canvas.current!.getBoundingClientRect();
          return { x: box.left + (x + 0.5) * scale, y: box.top + (y + 0.5) * scale };
        }) as (...args: never[]) => unknown,
        cineReading: () => latest.current.reading,
        drawnContours: () => contoursToSave(latest.current.book),
      }),
    [exposeForTests, scale],
  );

  const d = reading?.designation;
  const shown = props.layers.shown;
  const montage = useMemo(
    () => montageModel({ slices, phases, designation: d, book, labels: shown, planeSize, current: { slice, phase } }),
    // The shown labels change in place; the layers' version says when.
    [slices, phases, d, book, shown, props.layers.version, planeSize, slice, phase],
  );
  const phaseName = (p: number) => `Phase ${p + 1} of ${phases}${d?.edPhase === p ? ' (end-diastole)' : d?.esPhase === p ? ' (end-systole)' : ''}`;
  return (
    <>
      {props.controls &&
        createPortal(
          <div className="cine-controls">
            <h3>Contour</h3>
            <div className="row">
              {contourKinds.map((k) => (
                <button key={k.kind} className={kind === k.kind ? 'active' : ''} style={{ borderColor: k.colour }} disabled={readOnly} onClick={() => setKind(k.kind)} data-testid={`cine-kind-${k.kind}`}>
                  {k.words}
                </button>
              ))}
            </div>
            <div className="row">
              <button disabled={readOnly || pending.length < 6} onClick={closePolygon} data-testid="cine-close-polygon">
                Close polygon
              </button>
              <button disabled={readOnly} onClick={() => copyTo({ slice, phase: (phase + 1) % phases })} data-testid="cine-copy-phase">
                Copy to next phase
              </button>
              <button disabled={readOnly || slice + 1 >= slices} onClick={() => copyTo({ slice: slice + 1, phase })} data-testid="cine-copy-slice">
                Copy to next slice
              </button>
            </div>
            <div className="row">
              <button disabled={readOnly || saving || book.size === 0} onClick={() => void save()} data-testid="cine-save">
                {saving ? 'Saving…' : 'Save contours'}
              </button>
            </div>
            {message && (
              <p role={message.refusal ? 'alert' : 'status'} data-testid="cine-message">
                {message.text}
              </p>
            )}
            <h3>End-diastole and end-systole</h3>
            <PhasesPanel reading={reading} phases={phases} readOnly={readOnly} onSet={designate} />
            <h3>Volume over the cycle</h3>
            <VolumeCurve reading={reading} phases={phases} phase={phase} onPhase={setPhase} />
            <h3>Measures</h3>
            <MeasuresPanel reading={reading} />
          </div>,
          props.controls,
        )}
      <div className="views stack">
        {/* The cine flows (steppers, plane, montage) and scrolls, instead of stretching one canvas over the pane. */}
        <div className="pane" style={{ padding: 8, overflow: 'auto' }}>
          <div className="row" data-testid="cine-steppers">
            <button onClick={() => stepSlice(-1)} aria-label="Previous slice">◀</button>
            <span data-testid="cine-slice">Slice {slice + 1} of {slices}</span>
            <button onClick={() => stepSlice(1)} aria-label="Next slice">▶</button>
            <button onClick={() => stepPhase(-1)} aria-label="Previous phase">◀</button>
            <span data-testid="cine-phase">{phaseName(phase)}</span>
            <button onClick={() => stepPhase(1)} aria-label="Next phase">▶</button>
            <button onClick={() => setPlaying((v) => !v)} data-testid="cine-play">
              {playing ? 'Pause' : 'Play'}
            </button>
          </div>
          <canvas
            ref={canvas}
            width={dims.columns * scale}
            height={dims.rows * scale}
            style={{ position: 'relative', display: 'block', width: dims.columns * scale, height: dims.rows * scale, cursor: readOnly ? 'default' : 'crosshair', touchAction: 'none' }}
            data-testid="cine-canvas"
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
          />
          {!values && <p>Loading the cine…</p>}
          {shape && wl && (
            <>
              <h3>Slices × phases</h3>
              <CineMontage
                montage={montage}
                picture={{ columns: dims.columns, rows: dims.rows, values, window: wl, labels: shown, labelColours: props.labels }}
                width={VIEW_SIZE}
                onOpen={(s, p) => {
                  setSlice(s);
                  setPhase(p);
                }}
              />
            </>
          )}
        </div>
      </div>
    </>
  );
}
