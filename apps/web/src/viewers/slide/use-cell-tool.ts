/**
 * The cell tool of a slide-region task (issue 17 §2): cells read by viewport from the API and drawn
 * by the WebGL renderer; a click adds a cell of the selected class (a nucleus class collects outline
 * corners until a double click closes it), a click on a cell selects it, a drag on a cell moves it,
 * a drag elsewhere pans; pointer jitter of a few pixels is a click, not a drag. Edits go to the
 * server as one batch with If-Match.
 */
import { useCallback, useMemo, useRef, useState } from 'react';
import type { CellClass } from '@delineate/schema';
import { describeError } from '../../api';
import { pathologyApi, type SlideTask } from '../../pages/pathology/pathology-api';
import { CellEdits } from './cell-edits';
import { packCells } from './cell-pack';
import { CellRenderer } from './cell-renderer';
import type { Point } from './paint';
import type { SlideView } from './slide-view';

/** Screen pixels a press may wander and still be a click. */
export const CLICK_JITTER = 4;
/** Screen pixels around the pointer a cell is picked within. */
const PICK_PIXELS = 8;
/** A nucleus about 8 µm across, for the level of detail. */
const NUCLEUS_UM = 8;

interface Press {
  screen: Point;
  slide: Point;
  picked: number | null;
  dragging: boolean;
}

export function useCellTool(task: SlideTask | null, userId: string | null, view: () => SlideView | null, onChanged: () => void) {
  const classes: readonly CellClass[] = useMemo(() => task?.region.template.cellClasses ?? [], [task]);
  const [selectedClass, setSelectedClass] = useState<string>('');
  const [selected, setSelected] = useState<number | null>(null);
  const [status, setStatus] = useState('');
  const [saving, setSaving] = useState(false);
  const [pending, setPending] = useState(0);
  const outline = useRef<Point[]>([]);
  const press = useRef<Press | null>(null);
  const renderer = useRef<CellRenderer | null>(null);
  const built = useRef(-1);
  const classKey = selectedClass || classes.find((c) => c.shape === 'point')?.key || classes[0]?.key || '';
  const taskId = task?.task.id ?? null;
  // One set of cells per task: a refreshed task (its fields changed) keeps the cells and their pending edits.
  const edits = useMemo(() => (taskId ? new CellEdits(0, userId) : null), [taskId, userId]);
  const onChangedRef = useRef(onChanged);
  onChangedRef.current = onChanged;
  const changed = useCallback(() => {
    setPending(edits?.pendingCount ?? 0);
    onChangedRef.current();
  }, [edits]);

  /** The cells meeting the view, from the server (at the end of each movement). */
  const loadInView = useCallback(() => {
    const v = view();
    if (!task || !edits || !v?.isOpen || classes.length === 0) return;
    const r = v.inView();
    const b = task.region.bounds;
    const box = { x0: Math.max(r.x, b.x), y0: Math.max(r.y, b.y), x1: Math.min(r.x + r.width, b.x + b.width), y1: Math.min(r.y + r.height, b.y + b.height) };
    if (box.x1 <= box.x0 || box.y1 <= box.y0) return;
    pathologyApi.cells(task.task.id, box).then((res) => {
      edits.merge(res.version, res.cells);
      changed();
    }, (e: unknown) => setStatus(describeError(e).text));
  }, [task, edits, view, classes, changed]);

  const attach = useCallback((canvas: HTMLCanvasElement | null) => {
    renderer.current = canvas ? CellRenderer.create(canvas) : null;
    built.current = -1;
  }, []);

  /** Draws the cells in the view's transform (called on every redraw of the image). */
  const draw = useCallback((scale: number, canvas: HTMLCanvasElement) => {
    const r = renderer.current;
    const v = view();
    if (!r || !v?.isOpen || !edits || !task) return;
    const origin: Point = [task.region.bounds.x, task.region.bounds.y];
    if (built.current !== edits.generation) {
      r.setPalette(classes.map((c) => c.colour));
      r.setCells(packCells(edits.cells.values(), new Map(classes.map((c, i) => [c.key, i])), origin));
      built.current = edits.generation;
    }
    r.setSelected(selected);
    const w = Math.round(canvas.clientWidth * scale), h = Math.round(canvas.clientHeight * scale);
    if (canvas.width !== w || canvas.height !== h) [canvas.width, canvas.height] = [w, h];
    const t = v.transform(scale);
    const shifted = { ...t, e: t.a * origin[0] + t.c * origin[1] + t.e, f: t.b * origin[0] + t.d * origin[1] + t.f };
    r.draw(shifted, (NUCLEUS_UM / v.slide.mpp!) * Math.hypot(t.a, t.b));
  }, [view, edits, task, classes, selected]);

  const select = (id: number | null) => {
    setSelected(id);
    onChanged();
  };

  const pixelsPerSlidePixel = () => view()?.zoom() ?? 1;

  const down = (screen: Point, slide: Point) => {
    if (!edits) return;
    const hit = edits.pick(slide[0], slide[1], PICK_PIXELS / pixelsPerSlidePixel());
    press.current = { screen, slide, picked: hit?.id ?? null, dragging: false };
  };
  const move = (screen: Point) => {
    const p = press.current;
    if (!p) return;
    if (!p.dragging && Math.hypot(screen[0] - p.screen[0], screen[1] - p.screen[1]) > CLICK_JITTER) p.dragging = true;
    // A drag away from any cell moves the image, as in the other tools' Move.
    if (p.dragging && p.picked === null) {
      view()?.dragBy(screen[0] - p.screen[0], screen[1] - p.screen[1]);
      p.screen = screen;
    }
  };
  const up = (slide: Point) => {
    const p = press.current;
    press.current = null;
    if (!p || !edits) return;
    if (p.dragging) {
      if (p.picked !== null) {
        edits.move(p.picked, slide[0] - p.slide[0], slide[1] - p.slide[1]);
        changed();
      }
      return;
    }
    if (p.picked !== null && outline.current.length === 0) return select(p.picked);
    const cls = classes.find((c) => c.key === classKey);
    if (!cls) return;
    if (cls.shape === 'polygon') {
      outline.current = [...outline.current, p.slide];
      return onChanged();
    }
    const cell = edits.add(cls.key, p.slide[0], p.slide[1]);
    setStatus(`${cls.name} added`);
    select(cell.id);
    changed();
  };
  /** Closes a nucleus outline into a cell (double click, Enter). */
  const finish = () => {
    const points = outline.current;
    outline.current = [];
    if (!edits || points.length < 3) return onChanged();
    const cx = points.reduce((s, q) => s + q[0], 0) / points.length;
    const cy = points.reduce((s, q) => s + q[1], 0) / points.length;
    const cell = edits.add(classKey, cx, cy, points.map(([x, y]) => [Math.round(x), Math.round(y)] as [number, number]));
    select(cell.id);
    changed();
  };
  const removeSelected = () => {
    if (!edits || selected === null) return;
    edits.remove(selected);
    select(null);
    changed();
  };
  /** A class key: chooses the class for new cells and reclassifies the selected cell. */
  const chooseClass = (key: string) => {
    setSelectedClass(key);
    if (edits && selected !== null && edits.cells.has(selected)) {
      edits.reclassify(selected, key);
      changed();
    }
  };
  const save = useCallback(async () => {
    if (!edits || !task) return;
    setSaving(true);
    try {
      if (await edits.save((version, batch) => pathologyApi.editCells(task.task.id, version, batch))) setStatus(`Cells saved (version ${edits.version})`);
    } catch (e) {
      setStatus(describeError(e).text);
    } finally {
      setSaving(false);
      changed();
    }
  }, [edits, task, changed]);

  return {
    classes,
    classKey,
    selected,
    status,
    saving,
    pending,
    edits,
    outline,
    renderer,
    attach,
    draw,
    loadInView,
    pointer: { down, move, up, finish },
    removeSelected,
    chooseClass,
    save,
  };
}
