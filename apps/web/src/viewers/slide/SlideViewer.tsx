import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import './slide.css';
import { createPortal } from 'react-dom';
import type { TileLayers, ViewerProps } from '../../workspace/viewer-contract';
import { LabelOverlay } from './label-overlay';
import { brushRadiusPixels, magnificationAt, magnificationSteps, magnificationText, scaleBar, zoomForMagnification } from './magnification';
import { tilesInView, type PixelRect, type Point } from './paint';
import { PathologyLayer, type PathologyMode, type TaskRules } from './PathologyLayer';
import { zoomBandRefusal } from './region-task';
import { SlideControls } from './SlideControls';
import { createSlideTool, slideTools, type SlideTool, type SlideToolContext, type SlideToolId, type SlideToolResult } from './slide-tools';
import { loadOpenSeadragon, slideInfo, SlideView, type SlideInfo } from './slide-view';

/** Above this many label tiles in view the labels are not fetched (a whole 100,000² slide is 38,000). */
const MAX_LABEL_TILES_IN_VIEW = 2048;

/** Times of the opening, for the benchmark: mount → first full view drawn. */
const openTimes = { mountedAt: 0, firstFullView: null as number | null };

/**
 * The slide viewer (issue 16): OpenSeadragon over the server's tiles with a navigator, a scale
 * bar in µm, the magnification (2× … 40×), rotation and keyboard navigation; the slide's sparse
 * labels drawn over it and painted with the slide tools (brush and eraser sized in µm, fill
 * bounded to the view, rectangle, polygon, freehand). Saving, drafts and conflicts are the shell's.
 */
export function SlideViewer(props: ViewerProps<TileLayers>) {
  const { layers, item } = props;
  const map = layers.map;
  const host = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const view = useRef<SlideView | null>(null);
  const [slide, setSlide] = useState<SlideInfo | null>(null);
  const [zoom, setZoom] = useState(0);
  const [rotation, setRotation] = useState(0);
  const [toolId, setToolId] = useState<SlideToolId>('navigate');
  const [diameterMicrons, setDiameterMicrons] = useState(50);
  const [fullyLoaded, setFullyLoaded] = useState(false);
  const [viewOpen, setViewOpen] = useState(false);
  const [rules, setRules] = useState<TaskRules | null>(null);
  const [pathologyMode, setPathologyMode] = useState<PathologyMode>(null);
  const pathologyHooks = useRef<Record<string, (...args: never[]) => unknown>>({});
  const viewListeners = useMemo(() => new Set<{ redraw(): void; settled(): void }>(), []);
  const subscribe = useCallback(
    (on: { redraw(): void; settled(): void }) => {
      viewListeners.add(on);
      return () => void viewListeners.delete(on);
    },
    [viewListeners],
  );
  const currentView = useCallback(() => view.current, []);
  const onError = useCallback((e: unknown) => propsRef.current.onError(e), []);
  const tools = useMemo(() => new Map(slideTools.filter((t) => t.id !== 'navigate').map((t) => [t.id, createSlideTool(t.id as Exclude<SlideToolId, 'navigate'>)])), []);
  const overlay = useMemo(() => new LabelOverlay(map), [map]);
  const outline = useRef<readonly Point[]>([]);
  const pointer = useRef<Point | null>(null);
  const frame = useRef(0);
  const propsRef = useRef(props);
  propsRef.current = props;
  const mpp = slide?.mpp ?? null;
  const magnification = mpp && zoom ? magnificationAt(mpp, zoom) : null;
  // A slide-region task's tools work only inside its zoom band.
  const bandReason = rules && magnification !== null ? zoomBandRefusal(rules.band, rules.target, magnification) : null;
  const editable = props.tool !== null && bandReason === null;
  const activeTool: SlideTool | null = editable && toolId !== 'navigate' && pathologyMode === null ? tools.get(toolId)! : null;
  const magnificationRef = useRef(magnification);
  magnificationRef.current = magnification;
  const origin: Point = slide ? [slide.region.x, slide.region.y] : [0, 0];
  const radius = mpp ? brushRadiusPixels(diameterMicrons, mpp) : diameterMicrons / 2;

  const toolIdRef = useRef(toolId);
  toolIdRef.current = toolId;
  const radiusRef = useRef(radius);
  radiusRef.current = radius;

  const draw = useCallback(() => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => {
      const v = view.current;
      const c = canvas.current;
      if (!v || !c || !v.isOpen) return;
      const scale = window.devicePixelRatio || 1;
      const w = Math.round(c.clientWidth * scale);
      const h = Math.round(c.clientHeight * scale);
      if (c.width !== w || c.height !== h) [c.width, c.height] = [w, h];
      const showBrush = (toolIdRef.current === 'brush' || toolIdRef.current === 'eraser') && pointer.current;
      overlay.draw(c.getContext('2d')!, v.transform(scale), map.tileOrdinals(), [v.slide.region.x, v.slide.region.y], outline.current, showBrush ? { at: pointer.current!, radius: radiusRef.current } : null);
    });
  }, [overlay, map]);

  /** The label pixels in view (the labels' own coordinates). */
  const labelView = useCallback((): PixelRect | null => {
    const v = view.current;
    if (!v?.isOpen) return null;
    const r = v.inView();
    return { ...r, x: r.x - v.slide.region.x, y: r.y - v.slide.region.y };
  }, []);

  const loadLabelsInView = useCallback(() => {
    const r = labelView();
    if (!r) return;
    const ordinals = tilesInView(map.grid, r);
    if (ordinals.length > MAX_LABEL_TILES_IN_VIEW) return;
    layers.load(ordinals).then(draw, (e: unknown) => propsRef.current.onError(e));
  }, [labelView, map, layers, draw]);

  useEffect(() => {
    let cancelled = false;
    slideInfo(item.id).then((s) => !cancelled && setSlide(s), (e: unknown) => !cancelled && propsRef.current.onError(e));
    return () => {
      cancelled = true;
    };
  }, [item.id]);

  // The view lives as long as the slide: labels changing (every edit) must not re-open it at home.
  const loadLabelsRef = useRef(loadLabelsInView);
  loadLabelsRef.current = loadLabelsInView;
  useEffect(() => {
    if (!slide || !host.current) return;
    openTimes.mountedAt = performance.now();
    openTimes.firstFullView = null;
    const element = host.current;
    let v: SlideView | null = null;
    let cancelled = false;
    loadOpenSeadragon().then(
      (osd) => {
        if (cancelled) return;
        const opened: SlideView = new SlideView(osd, element, slide, {
          redraw: () => {
            setZoom(opened.zoom());
            setRotation(opened.rotation());
            draw();
            for (const l of viewListeners) l.redraw();
          },
          settled: () => {
            setViewOpen(true);
            loadLabelsRef.current();
            for (const l of viewListeners) l.settled();
          },
          fullyLoaded: (loaded) => {
            if (loaded && openTimes.firstFullView === null) openTimes.firstFullView = performance.now() - openTimes.mountedAt;
            setFullyLoaded(loaded);
            if (loaded) propsRef.current.onImageProgress(1, 1);
          },
        });
        v = opened;
        view.current = opened;
      },
      (e: unknown) => !cancelled && propsRef.current.onError(e),
    );
    return () => {
      cancelled = true;
      view.current = null;
      setViewOpen(false);
      v?.destroy();
    };
  }, [slide, draw, viewListeners]);

  // Labels changed in the map (strokes, undo, loads): those tiles are drawn again.
  useEffect(() => {
    map.onDraw = (ordinals) => {
      overlay.changed(ordinals);
      draw();
    };
    return () => void (map.onDraw = null);
  }, [map, overlay, draw]);
  useEffect(() => {
    overlay.setLook({ labels: props.labels, visible: props.visible, opacity: props.opacity });
    draw();
  }, [overlay, props.labels, props.visible, props.opacity, draw]);
  // A newer version loaded in place of the labels (conflict): the view's tiles are fetched again.
  useEffect(() => loadLabelsInView(), [layers.version, loadLabelsInView]);

  const context = useCallback((): SlideToolContext | null => {
    const r = labelView();
    return r ? { map, label: propsRef.current.label, radius: radiusRef.current, view: r } : null;
  }, [labelView, map]);

  const apply = useCallback(
    (result: SlideToolResult) => {
      if (result.kind === 'outline') outline.current = result.points;
      if (result.kind === 'edited') {
        outline.current = [];
        const at = magnificationRef.current;
        propsRef.current.onToolEffect({
          kind: 'edited',
          stroke: result.stroke,
          ...(at !== null ? { magnification: at } : {}),
          ...(result.skipped ? { notice: 'Part of the stroke fell where the labels were still loading: paint there again.' } : {}),
        });
      }
      draw();
    },
    [draw],
  );

  // A tool change (or read-only) abandons what the previous tool was doing.
  useEffect(
    () => () => {
      const ctx = context();
      if (activeTool && ctx) activeTool.cancel(ctx);
      outline.current = [];
    },
    [activeTool, context],
  );

  const at = (e: { clientX: number; clientY: number }): Point => {
    const rect = host.current!.getBoundingClientRect();
    const s = view.current!.toSlide([e.clientX - rect.left, e.clientY - rect.top]);
    return [s[0] - origin[0], s[1] - origin[1]];
  };

  const zoomToMagnification = useCallback((m: number) => mpp && view.current?.zoomTo(zoomForMagnification(mpp, m)), [mpp]);

  useEffect(
    () =>
      props.shortcuts.set('viewer', [
        ...slideTools.map((t) => ({ keys: [t.key], display: t.key.toUpperCase(), description: `${t.name.toLowerCase()} tool`, run: () => setToolId(t.id) })),
        { keys: ['[', ']'], display: '[ / ]', description: 'brush and eraser smaller / larger', run: (k) => setDiameterMicrons((d) => Math.max(5, Math.min(2000, Math.round(k === '[' ? d / 1.25 : d * 1.25)))) },
        { keys: ['arrowleft', 'arrowright', 'arrowup', 'arrowdown'], display: '← → ↑ ↓', description: 'pan by half a field of view', run: (k) => view.current?.panFields(k === 'ArrowLeft' ? -0.5 : k === 'ArrowRight' ? 0.5 : 0, k === 'ArrowUp' ? -0.5 : k === 'ArrowDown' ? 0.5 : 0) },
        { keys: ['+', '=', '-'], display: '+ / −, wheel', description: 'zoom in / out', run: (k) => view.current?.zoomBy(k === '-' ? 1 / 1.5 : 1.5) },
        { keys: ['0'], display: '0', description: view.current?.limit ? 'the whole region' : 'the whole slide', run: () => view.current?.home() },
        { keys: [',', '.'], display: ', / .', description: 'rotate 90° left / right', run: (k) => view.current?.rotate(k === ',' ? -90 : 90) },
        {
          keys: ['enter'],
          display: 'Enter, double click',
          description: 'close the polygon (a region or a nucleus outline too)',
          run: () => (pathologyMode ? pathologyHooks.current.finishOutline?.() : activeTool && context() && apply(activeTool.finish(context()!))),
        },
        { keys: [], display: 'drag (Move tool), navigator', description: 'pan' },
      ]),
    [props.shortcuts, activeTool, context, apply, pathologyMode],
  );

  useEffect(() => {
    // Read through the ref when called: the pathology layer re-renders without the viewer.
    const pathology = Object.fromEntries(['slideTaskFields', 'currentField', 'cellCount', 'cellsPending', 'cellsVersion', 'cellDraws'].map((name) => [name, (...args: never[]) => pathologyHooks.current[name]?.(...args)]));
    props.exposeForTests({
      ...pathology,
      slide: () => view.current?.slide ?? null,
      /** The slide pixels in view and, in a region task, the rectangle the view is kept inside. */
      viewRect: () => (view.current?.isOpen ? view.current.viewRect() : null),
      navigationLimit: () => view.current?.limit ?? null,
      /** Full-resolution slide pixel → page pixel (regions, fields and cells are in slide pixels). */
      slideToPage: ((x: number, y: number) => {
        const rect = host.current!.getBoundingClientRect();
        const p = view.current!.toElement([x, y]);
        return { x: rect.left + p[0], y: rect.top + p[1] };
      }) as (...args: never[]) => unknown,
      magnification: () => (mpp && view.current?.isOpen ? magnificationAt(mpp, view.current.zoom()) : null),
      /** Label pixel → page pixel (the e2e tests drive the mouse with it). */
      labelToPage: ((x: number, y: number) => {
        const rect = host.current!.getBoundingClientRect();
        const p = view.current!.toElement([x + origin[0], y + origin[1]]);
        return { x: rect.left + p[0], y: rect.top + p[1] };
      }) as (...args: never[]) => unknown,
      /** Page pixel → label pixel, as a pointer event there is read. */
      pageToLabel: ((x: number, y: number) => at({ clientX: x, clientY: y })) as (...args: never[]) => unknown,
      labelAt: ((x: number, y: number) => map.get(x, y)) as (...args: never[]) => unknown,
      heldTiles: () => map.tileOrdinals().sort((a, b) => a - b),
      labelsInViewLoaded: () => {
        const r = labelView();
        return r !== null && tilesInView(map.grid, r).every((o) => map.isLoaded(o));
      },
      fullyLoaded: () => view.current?.fullyLoaded() ?? false,
      settled: () => view.current !== null && Math.abs(view.current.zoom(true) - view.current.zoom(false)) < 1e-9,
      openTimes: () => ({ ...openTimes }),
      panFields: ((dx: number, dy: number) => view.current?.panFields(dx, dy, true)) as (...args: never[]) => unknown,
    });
  });

  const bar = mpp && zoom ? scaleBar(mpp, zoom, 160) : null;
  return (
    <>
      {props.controls &&
        createPortal(
          <SlideControls
            editable={editable}
            offReason={props.tool !== null ? bandReason : null}
            tool={pathologyMode ? 'navigate' : toolId}
            onTool={(id) => {
              setToolId(id);
              setPathologyMode(null);
            }}
            diameterMicrons={diameterMicrons}
            onDiameter={setDiameterMicrons}
            hasPixelSize={mpp !== null}
            magnification={magnification}
            steps={magnificationSteps}
            onMagnification={zoomToMagnification}
            rotation={rotation}
            onRotate={(d) => view.current?.rotate(d)}
            onHome={() => view.current?.home()}
          />,
          props.controls,
        )}
      <div className="slide-view" data-testid="slide-view" data-fully-loaded={fullyLoaded}>
        <div ref={host} className="slide-image" />
        <canvas
          ref={canvas}
          className="slide-labels"
          style={{ pointerEvents: activeTool ? 'auto' : 'none', cursor: activeTool ? 'crosshair' : undefined }}
          onPointerDown={(e) => {
            const ctx = context();
            if (!activeTool || !ctx || e.button !== 0) return;
            e.currentTarget.setPointerCapture(e.pointerId);
            apply(activeTool.down(ctx, at(e), e.shiftKey));
          }}
          onPointerMove={(e) => {
            pointer.current = at(e);
            const ctx = context();
            if (activeTool && ctx) apply(activeTool.move(ctx, pointer.current));
            else draw();
          }}
          onPointerUp={(e) => {
            const ctx = context();
            if (activeTool && ctx) apply(activeTool.up(ctx, at(e)));
          }}
          onPointerLeave={() => {
            pointer.current = null;
            draw();
          }}
          onDoubleClick={() => {
            const ctx = context();
            if (activeTool && ctx) apply(activeTool.finish(ctx));
          }}
          onWheel={(e) => {
            const rect = host.current!.getBoundingClientRect();
            view.current?.zoomBy(e.deltaY < 0 ? 1.25 : 0.8, [e.clientX - rect.left, e.clientY - rect.top]);
          }}
        />
        <PathologyLayer
          itemId={item.id}
          projectId={item.projectId}
          taskId={props.taskId ?? null}
          labels={props.labels}
          view={currentView}
          viewOpen={viewOpen}
          mpp={mpp}
          bandReason={bandReason}
          editable={props.tool !== null}
          mode={pathologyMode}
          onMode={setPathologyMode}
          onRules={setRules}
          subscribe={subscribe}
          controls={props.controls}
          shortcuts={props.shortcuts}
          host={() => host.current}
          onError={onError}
          hooks={pathologyHooks}
        />
        <div className="slide-readout">
          <span data-testid="magnification">{magnification !== null ? magnificationText(magnification) : 'magnification unknown (no pixel size)'}</span>
          {bar && (
            <span className="scale-bar" data-testid="scale-bar" data-microns={bar.microns}>
              <span className="bar" style={{ width: bar.pixels }} />
              {bar.text}
            </span>
          )}
          {rotation % 360 !== 0 && <span>rotated {((rotation % 360) + 360) % 360}°</span>}
        </div>
      </div>
    </>
  );
}
