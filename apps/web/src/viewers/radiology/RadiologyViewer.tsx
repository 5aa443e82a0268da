import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { createCrosshair, type Measurement, type Tool, type ToolContext, type ToolEffect, type ToolPointer } from '../../tools';
import { sliceCount, toVoxel, voxelIndex, type Orientation } from '../../viewer/geometry';
import { viewEdgeLetters } from '../../viewer/orientation';
import { formatValue, modalityDisplay, valueRange, type ModalityDisplay } from '../../viewer/modality-presets';
import { greyLut, hexToRgb, labelLut, type WindowLevel } from '../../viewer/render';
import { frameStats, sliceOf, ViewPane, type Camera, type PaneHandlers, type PointerInfo, type Scene } from '../../ui/ViewPane';
import { measurementText } from './measurement-text';
import { timings } from '../../workspace/timings';
import type { ViewerProps } from '../../workspace/viewer-contract';
import { loadVolume } from './volume-loader';

const resetCameras = (): Record<Orientation, Camera> => ({
  axial: { zoom: 1, panX: 0, panY: 0 },
  coronal: { zoom: 1, panX: 0, panY: 0 },
  sagittal: { zoom: 1, panX: 0, panY: 0 },
});

/**
 * The radiology viewer: three orthogonal views (or the axial stack) of a CT or MR volume, drawn by
 * the canvas renderer, with window/level drag and presets, scroll, zoom, pan and crosshairs. The
 * HU volume loads here (the cursor slice first); pointer events over a view become the active
 * tool's events, and what the tool did goes back to the shell.
 */
export function RadiologyViewer(props: ViewerProps) {
  const { dims, layers, tool, cursor } = props;
  // HU and the CT windows for CT only; other modalities get windows from their own values once loaded.
  const [display, setDisplay] = useState<ModalityDisplay>(() => modalityDisplay(props.item.modality));
  const [wl, setWl] = useState<WindowLevel>(display.initial);
  const [layoutMode, setLayoutMode] = useState<'mpr' | 'stack'>('mpr');
  const [cameras, setCameras] = useState(resetCameras);
  const [hover, setHover] = useState<{ o: Orientation; text: string } | null>(null);
  const [measurements, setMeasurements] = useState<readonly Measurement[]>([]);
  const [drawing, setDrawing] = useState<Measurement | null>(null);
  const sceneRef = useRef<Scene | null>(null);
  const dragRef = useRef<{ mode: 'wl' | 'pan' | 'tool'; o: Orientation } | null>(null);
  const projectors = useRef(new Map<Orientation, (u: number, v: number) => { x: number; y: number }>());
  /** Read-only viewing still moves the cursor. */
  const lookTool = useMemo(createCrosshair, []);
  const propsRef = useRef(props);
  propsRef.current = props;
  const displayRef = useRef(display);
  displayRef.current = display;

  if (!sceneRef.current) {
    sceneRef.current = {
      dims,
      hu: new Int16Array(dims.columns * dims.rows * dims.slices).fill(-1024),
      loaded: new Uint8Array(dims.slices),
      labels: layers.shown,
      compare: null,
      grey: greyLut(display.initial),
      overlay: new Uint8Array(1024),
      cursor,
      showCrosshair: true,
      version: 1,
      brushRadiusMm: props.options.radiusMm,
      showBrush: true,
    };
  }
  const bump = useCallback(() => {
    if (sceneRef.current) sceneRef.current.version++;
  }, []);

  // The image: the cursor slice first, then the rest.
  useEffect(() => {
    let cancelled = false;
    const t0 = performance.now();
    loadVolume(props.item.id, dims, cursor[2], () => sceneRef.current, () => cancelled, (loaded, first) => {
      if (first) timings.firstImageMs = performance.now() - t0;
      propsRef.current.onImageProgress(loaded, dims.slices);
    })
      .then(() => {
        if (cancelled) return;
        timings.fullVolumeMs = performance.now() - t0;
        if (props.item.modality !== 'CT' && sceneRef.current) {
          const next = modalityDisplay(props.item.modality, valueRange(sceneRef.current.hu));
          setDisplay(next);
          setWl(next.initial);
        }
      })
      .catch((e: unknown) => !cancelled && propsRef.current.onError(e));
    return () => {
      cancelled = true;
    };
    // Loaded once per item; the cursor at opening picks the first slice.
  }, [props.item.id, props.item.modality, dims]);

  // Scene properties from the props and the viewer's own state.
  useEffect(() => {
    const scene = sceneRef.current!;
    scene.grey = greyLut(wl);
    scene.overlay = labelLut({ colours: new Map(props.labels.map((l) => [l.value, hexToRgb(l.colour)])), visible: new Set(props.visible), opacity: new Map(props.opacity) });
    scene.cursor = cursor;
    scene.brushRadiusMm = props.options.radiusMm;
    scene.showBrush = tool?.showsBrush ?? false;
    scene.labels = layers.shown;
    scene.compare = layers.compare;
    scene.correction = layers.correction;
    scene.boxes = layers.boxes;
    scene.outline = props.outline;
    scene.measurements = [...measurements, ...(drawing ? [drawing] : [])].map((m) => ({ measurement: m, text: measurementText(m, display) }));
    scene.version++;
  }, [wl, props.labels, props.visible, props.opacity, cursor, props.options.radiusMm, tool, layers, props.outline, measurements, drawing, display]);

  const context = useCallback((): ToolContext => {
    const p = propsRef.current;
    return { map: p.layers.map, label: p.label, image: sceneRef.current?.hu ?? null, options: p.options };
  }, []);

  const apply = useCallback(
    (effect: ToolEffect) => {
      bump();
      // Measurements belong to the view that draws them; everything else goes to the shell.
      if (effect.kind === 'measured') {
        setDrawing(effect.final ? null : effect.measurement);
        if (effect.final) setMeasurements((list) => [...list, effect.measurement]);
      } else if (effect.kind !== 'none' && effect.kind !== 'painting') propsRef.current.onToolEffect(effect);
    },
    [bump],
  );

  const setSlice = useCallback(
    (o: Orientation, delta: number) => {
      const c = propsRef.current.cursor;
      const next: [number, number, number] = [...c];
      const axis = o === 'axial' ? 2 : o === 'coronal' ? 1 : 0;
      next[axis] = Math.max(0, Math.min(sliceCount(dims, o) - 1, c[axis] + delta));
      propsRef.current.onCursor(next);
    },
    [dims],
  );

  /** The voxel and its value under the pointer, on the view it is over (changes only when the voxel does). */
  const showValueUnder = useCallback(
    (o: Orientation, p: PointerInfo) => {
      const scene = sceneRef.current;
      if (!scene) return;
      const [x, y, z] = toVoxel(dims, o, Math.round(p.u), Math.round(p.v), p.s);
      const inside = x >= 0 && y >= 0 && z >= 0 && x < dims.columns && y < dims.rows && z < dims.slices;
      const text = !inside ? null : `${x}, ${y}, ${z} · ${scene.loaded[z] ? formatValue(displayRef.current, scene.hu[voxelIndex(dims, x, y, z)]!) : 'loading'}`;
      setHover((h) => (text === null ? null : h?.o === o && h.text === text ? h : { o, text }));
    },
    [dims],
  );

  const handlers: PaneHandlers = useMemo(() => {
    const pointer = (o: Orientation, p: PointerInfo): ToolPointer => ({ orientation: o, u: p.u, v: p.v, s: p.s, shift: p.shift });
    const active = (): Tool => propsRef.current.tool ?? lookTool;
    return {
      onDown(o, p) {
        const id = propsRef.current.tool?.id;
        if ((p.buttons & 2) !== 0) {
          dragRef.current = { mode: 'wl', o };
        } else if ((p.buttons & 4) !== 0 || (p.shift && (id === 'brush' || id === 'crosshair' || id === undefined))) {
          dragRef.current = { mode: 'pan', o };
        } else {
          dragRef.current = { mode: 'tool', o };
          apply(active().down(context(), pointer(o, p)));
        }
      },
      onMove(o, p, dx, dy) {
        showValueUnder(o, p);
        const drag = dragRef.current;
        if (sceneRef.current?.showBrush) bump();
        if (!drag || drag.o !== o) return;
        if (drag.mode === 'wl') setWl((w) => ({ width: Math.max(1, w.width + dx * 4), centre: w.centre + dy * 2 }));
        else if (drag.mode === 'pan') setCameras((c) => ({ ...c, [o]: { ...c[o], panX: c[o].panX + dx, panY: c[o].panY + dy } }));
        else apply(active().move(context(), pointer(o, p)));
      },
      onUp(o, p) {
        const drag = dragRef.current;
        dragRef.current = null;
        if (drag?.mode === 'tool') apply(active().up(context(), pointer(o, p)));
      },
      onWheel(o, deltaY, ctrl) {
        if (ctrl) setCameras((c) => ({ ...c, [o]: { ...c[o], zoom: Math.max(0.25, Math.min(16, c[o].zoom * (deltaY < 0 ? 1.15 : 1 / 1.15))) } }));
        else setSlice(o, deltaY > 0 ? -1 : 1);
      },
      onLeave: () => setHover(null),
    };
  }, [apply, bump, context, lookTool, setSlice, showValueUnder]);

  // A tool change (or read-only) abandons whatever the previous tool was doing.
  useEffect(() => () => void tool?.cancel(context()), [tool, context]);

  // The viewer's shortcuts and gestures, in the shell's registry (and so in the help).
  useEffect(() => {
    const presets = display.presets;
    const nextPreset = () =>
      setWl((w) => {
        const current = presets.findIndex((p) => p.window.width === w.width && p.window.centre === w.centre);
        return presets[(current + 1) % presets.length]!.window;
      });
    return props.shortcuts.set('viewer', [
      { keys: ['arrowup', 'pageup', 'arrowdown', 'pagedown'], display: '↑ / ↓, wheel', description: 'next / previous slice', run: (key) => setSlice('axial', key === 'ArrowUp' || key === 'PageUp' ? 1 : -1) },
      { keys: [], display: 'Ctrl+wheel', description: 'zoom' },
      { keys: [], display: 'right drag', description: 'window / level' },
      { keys: [], display: 'middle drag, Shift+drag', description: 'pan' },
      { keys: ['w'], display: 'W', description: 'next window preset', run: nextPreset },
      { keys: ['l'], display: 'L', description: 'stack ↔ three views', run: () => setLayoutMode((m) => (m === 'mpr' ? 'stack' : 'mpr')) },
    ]);
  }, [props.shortcuts, setSlice, display]);

  const registerProjector = useCallback((o: Orientation, fn: (u: number, v: number) => { x: number; y: number }) => {
    projectors.current.set(o, fn);
  }, []);

  useEffect(() => {
    props.exposeForTests({
      loadedSlices: () => sceneRef.current?.loaded.reduce((a, b) => a + b, 0) ?? 0,
      cursor: () => sceneRef.current?.cursor,
      project: ((o: Orientation, u: number, v: number) => projectors.current.get(o)?.(u, v)) as (...args: never[]) => unknown,
      frameStats: () => ({ ...frameStats, times: [...frameStats.times] }),
    });
  });

  const caption = (o: Orientation) => `${o} ${sliceOf(o, cursor) + 1}/${sliceCount(dims, o)} · W ${Math.round(wl.width)} L ${Math.round(wl.centre)}`;
  const scene = sceneRef.current;
  const direction = props.item.grid.direction;
  const pane = (o: Orientation) => (
    <ViewPane
      orientation={o}
      scene={sceneRef}
      camera={cameras[o]}
      handlers={handlers}
      caption={caption(o)}
      edges={viewEdgeLetters(direction, o)}
      readout={hover?.o === o ? hover.text : null}
      registerProjector={registerProjector}
    />
  );

  return (
    <>
      {props.controls &&
        createPortal(
          <>
            <h3>Window</h3>
            <div className="row">
              {display.presets.map(({ key, label, window }) => (
                <button key={key} className={window.width === wl.width && window.centre === wl.centre ? 'active' : ''} onClick={() => setWl(window)} data-testid={`preset-${key}`}>
                  {label}
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
              <button onClick={() => setCameras(resetCameras())}>Reset zoom</button>
            </div>
            {measurements.length > 0 && (
              <>
                <h3>Measurements</h3>
                <ul className="measurements" data-testid="measurements">
                  {measurements.map((m, i) => (
                    <li key={i} data-kind={m.kind}>
                      {m.orientation} {m.s + 1}: {measurementText(m, display)}
                    </li>
                  ))}
                </ul>
                <div className="row">
                  <button onClick={() => setMeasurements([])} data-testid="clear-measurements">
                    Clear measurements
                  </button>
                </div>
              </>
            )}
          </>,
          props.controls,
        )}
      <div className={`views ${layoutMode}`}>
        {pane('axial')}
        {layoutMode === 'mpr' && (
          <>
            {pane('sagittal')}
            {pane('coronal')}
            <div className="pane" style={{ padding: 10, fontSize: 12, color: '#aab2bd' }}>
              <p>
                Cursor voxel {cursor[0]}, {cursor[1]}, {cursor[2]}
                {scene.loaded[cursor[2]] ? ` · ${formatValue(display, scene.hu[cursor[0] + dims.columns * (cursor[1] + dims.rows * cursor[2])]!)}` : ''}
              </p>
              <p>Spacing {dims.spacing.map((s) => s.toFixed(2)).join(' × ')} mm</p>
              <p>Press ? for keyboard shortcuts.</p>
            </div>
          </>
        )}
      </div>
    </>
  );
}
