import { useCallback, useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import type { BoundaryField, Label, SlidePoint, ZoomBand } from '@delineate/schema';
import { useSession } from '../../data/session';
import { BoundaryReviewPanel } from '../../pages/pathology/BoundaryReviewPanel';
import type { SlideRegion } from '../../pages/pathology/pathology-api';
import { RegionsPanel } from '../../pages/pathology/RegionsPanel';
import { cellClassKeys, SlideTaskPanel } from '../../pages/pathology/SlideTaskPanel';
import type { ShortcutRegistry } from '../../workspace/shortcuts';
import type { Point } from './paint';
import { drawRegionScene, type RegionScene } from './region-overlay';
import type { SlideView } from './slide-view';
import { useCellTool } from './use-cell-tool';
import { useSlideTask } from './use-slide-task';

export type PathologyMode = 'region' | 'cells' | null;

export interface TaskRules {
  band: ZoomBand;
  target: number;
}

/**
 * The pathology workflow over the slide viewer (issue 17): on a whole slide, drawing regions and
 * giving them task templates; in a slide-region task, the field grid and its navigation, the zoom
 * band, the cells (WebGL) and the boundary review. It owns two canvases over the image: the cells
 * (WebGL2) and the scene (region outlines, fields), which takes the pointer in its modes.
 */
export function PathologyLayer(props: {
  itemId: string;
  projectId: string;
  taskId: string | null;
  labels: readonly Label[];
  view: () => SlideView | null;
  viewOpen: boolean;
  mpp: number | null;
  /** Why the tools are off (outside the zoom band), or null. */
  bandReason: string | null;
  editable: boolean;
  mode: PathologyMode;
  onMode(mode: PathologyMode): void;
  onRules(rules: TaskRules | null): void;
  /** Redraws arrive through this (every image redraw) and settles (a movement ended). */
  subscribe(on: { redraw(): void; settled(): void }): () => void;
  controls: HTMLElement | null;
  shortcuts: ShortcutRegistry;
  /** The element a pointer position is measured against. */
  host: () => HTMLElement | null;
  onError(e: unknown): void;
  hooks: React.MutableRefObject<Record<string, (...args: never[]) => unknown>>;
}) {
  const session = useSession().data;
  const userId = session?.userId ?? null;
  // Regions become tasks: only the project's administrators make them (the server decides; this spares the others the form).
  const makesTasks = session?.roles.some((r) => r.projectId === props.projectId && r.role === 'project_admin') ?? false;
  const cellCanvas = useRef<HTMLCanvasElement>(null);
  const sceneCanvas = useRef<HTMLCanvasElement>(null);
  const [regions, setRegions] = useState<readonly SlideRegion[]>([]);
  const [drawing, setDrawing] = useState<Point[]>([]);
  const [closed, setClosed] = useState<SlidePoint[] | null>(null);
  const [boundary, setBoundary] = useState<{ fields: readonly BoundaryField[]; current: number | null }>({ fields: [], current: null });
  const frame = useRef(0);
  const hover = useRef<Point | null>(null);
  const slideTask = useSlideTask(props.taskId, userId, props.view, props.mpp, props.viewOpen, props.onError);
  const task = slideTask.task;
  const redrawRef = useRef<() => void>(() => undefined);
  const cells = useCellTool(task, userId, props.view, () => redrawRef.current());
  const cellsOn = props.mode === 'cells' && props.editable && slideTask.canRecord && props.bandReason === null;
  const { onRules, onMode, subscribe } = props;
  const cellsRef = useRef(cells);
  cellsRef.current = cells;
  const onBoundaryFields = useCallback((fields: readonly BoundaryField[], current: number | null) => setBoundary({ fields, current }), []);

  useEffect(() => onRules(task ? { band: task.region.zoomBand, target: task.region.template.magnification } : null), [task, onRules]);

  const redraw = useCallback(() => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => {
      const v = props.view();
      const c = sceneCanvas.current;
      if (!v?.isOpen || !c) return;
      const scale = window.devicePixelRatio || 1;
      const w = Math.round(c.clientWidth * scale), h = Math.round(c.clientHeight * scale);
      if (c.width !== w || c.height !== h) [c.width, c.height] = [w, h];
      const ctx = c.getContext('2d')!;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, c.width, c.height);
      const outline = props.mode === 'region' ? drawing : cells.outline.current;
      const scene: RegionScene = {
        polygons: task ? [task.region.polygon] : regions.map((r) => r.polygon),
        fields: task?.fields ?? [],
        currentField: slideTask.current,
        boundary: boundary.fields,
        currentBoundaryField: boundary.current,
        drawing: outline.length && hover.current ? [...outline, hover.current] : outline,
      };
      drawRegionScene(ctx, v.transform(scale), scene);
      if (cellCanvas.current) cells.draw(scale, cellCanvas.current);
    });
  }, [props, drawing, cells, task, regions, slideTask, boundary]);
  redrawRef.current = redraw;

  useEffect(() => subscribe({ redraw: () => redrawRef.current(), settled: () => cellsRef.current.loadInView() }), [subscribe]);
  useEffect(() => redraw(), [redraw]);
  const { attach, loadInView } = cells;
  useEffect(() => attach(cellCanvas.current), [attach, task]);
  useEffect(() => {
    if (props.viewOpen) loadInView();
  }, [props.viewOpen, loadInView]);

  const closeRegion = useCallback(() => {
    if (drawing.length >= 3) setClosed(drawing.map(([x, y]) => [x, y] as SlidePoint));
    setDrawing([]);
    onMode(null);
  }, [drawing, onMode]);
  const finish = useCallback(() => (props.mode === 'region' ? closeRegion() : props.mode === 'cells' ? cells.pointer.finish() : undefined), [props.mode, closeRegion, cells]);

  useEffect(
    () =>
      props.shortcuts.set('pathology', [
        ...(task
          ? [
              { keys: ['pagedown'], display: 'Page Down', description: 'next field', run: () => slideTask.step(1) },
              { keys: ['pageup'], display: 'Page Up', description: 'previous field', run: () => slideTask.step(-1) },
              { keys: ['y'], display: 'Y', description: 'this field is done', run: () => void slideTask.done() },
            ]
          : []),
        ...(task && cells.classes.length
          ? [
              { keys: ['k'], display: 'K', description: 'cell tool (click adds, drag moves)', run: () => onMode(props.mode === 'cells' ? null : 'cells') },
              { keys: cellClassKeys.slice(0, cells.classes.length), display: cellClassKeys.slice(0, cells.classes.length).join(' / ').toUpperCase(), description: 'cell class (reclassifies the selected cell)', run: (k: string) => cells.chooseClass(cells.classes[cellClassKeys.indexOf(k as (typeof cellClassKeys)[number])]!.key) },
              { keys: ['delete', 'backspace'], display: 'Delete', description: 'delete the selected cell', run: cells.removeSelected },
            ]
          : []),
      ]),
    [props.shortcuts, props.mode, task, slideTask, cells, onMode],
  );

  props.hooks.current = {
    slideTaskFields: () => task?.fields.map((f) => f.state) ?? [],
    currentField: () => slideTask.current,
    cellCount: () => cells.edits?.cells.size ?? 0,
    cellsPending: () => cells.edits?.pendingCount ?? 0,
    cellsVersion: () => cells.edits?.version ?? 0,
    cellDraws: () => cells.renderer.current?.draws ?? 0,
    /** Region-mode and cell-mode close, as Enter does (the viewer's Enter shortcut calls it). */
    finishOutline: finish as (...args: never[]) => unknown,
  };

  const at = (e: { clientX: number; clientY: number }): { screen: Point; slide: Point } => {
    const rect = props.host()!.getBoundingClientRect();
    const screen: Point = [e.clientX - rect.left, e.clientY - rect.top];
    return { screen, slide: props.view()!.toSlide(screen) };
  };
  const pointerOn = props.mode === 'region' || cellsOn;

  return (
    <>
      <canvas ref={cellCanvas} className="slide-labels" style={{ pointerEvents: 'none' }} data-testid="cell-canvas" />
      <canvas
        ref={sceneCanvas}
        className="slide-labels"
        data-testid="pathology-canvas"
        style={{ pointerEvents: pointerOn ? 'auto' : 'none', cursor: pointerOn ? 'crosshair' : undefined }}
        onPointerDown={(e) => {
          if (e.button !== 0) return;
          e.currentTarget.setPointerCapture(e.pointerId);
          const p = at(e);
          if (props.mode === 'region') {
            const first = drawing[0];
            const near = first && props.view() ? Math.hypot(p.slide[0] - first[0], p.slide[1] - first[1]) * props.view()!.zoom() <= 6 : false;
            if (near && drawing.length >= 3) closeRegion();
            else setDrawing((d) => [...d, p.slide]);
          } else cells.pointer.down(p.screen, p.slide);
        }}
        onPointerMove={(e) => {
          const p = at(e);
          hover.current = p.slide;
          if (props.mode === 'cells') cells.pointer.move(p.screen);
          redraw();
        }}
        onPointerUp={(e) => props.mode === 'cells' && cells.pointer.up(at(e).slide)}
        onDoubleClick={finish}
        onWheel={(e) => {
          const rect = props.host()!.getBoundingClientRect();
          props.view()?.zoomBy(e.deltaY < 0 ? 1.25 : 0.8, [e.clientX - rect.left, e.clientY - rect.top]);
        }}
      />
      {props.controls &&
        createPortal(
          task ? (
            <>
              <SlideTaskPanel
                task={task}
                current={slideTask.current}
                bandReason={props.bandReason}
                canRecord={slideTask.canRecord}
                onGo={slideTask.goTo}
                onStep={slideTask.step}
                onDone={() => void cells.save().then(slideTask.done)}
                cells={
                  cells.classes.length
                    ? {
                        classes: cells.classes,
                        selectedClass: cells.classKey,
                        onClass: cells.chooseClass,
                        active: props.mode === 'cells',
                        onActive: (on) => onMode(on ? 'cells' : null),
                        pending: cells.pending,
                        saving: cells.saving,
                        onSave: () => void cells.save(),
                        status: cellsStatus(cells.status, props.mode === 'cells', cellsOn, slideTask.canRecord),
                      }
                    : null
                }
              />
              <details data-testid="boundary-details">
                <summary>Boundary review (expert reviewers)</summary>
                <BoundaryReviewPanel taskId={task.task.id} labels={props.labels} onGoTo={slideTask.show} onFields={onBoundaryFields} />
              </details>
            </>
          ) : (
            <RegionsPanel
              slideItemId={props.itemId}
              projectId={props.projectId}
              labels={props.labels}
              polygon={closed}
              makesTasks={makesTasks}
              drawing={props.mode === 'region'}
              onDraw={() => {
                setDrawing([]);
                onMode('region');
              }}
              onCancel={() => {
                setClosed(null);
                setDrawing([]);
                onMode(null);
              }}
              onRegions={setRegions}
            />
          ),
          props.controls,
        )}
    </>
  );
}

function cellsStatus(status: string, chosen: boolean, on: boolean, canRecord: boolean): string {
  if (!canRecord) return 'Only the task’s annotator records its cells.';
  if (chosen && !on) return 'The cell tool works inside the zoom band only.';
  return status || 'Click adds a cell of the chosen class; click a cell to select it, drag to move it.';
}
