/**
 * A slide-region task's state in the viewer (issue 17 §1): the task with its region, zoom band and
 * fields, which field is current, moving between fields (the view goes to the field at the target
 * magnification, and a visit records it seen) and marking a field done.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { FieldState, SlideBox } from '@delineate/schema';
import { ApiError } from '../../api';
import { pathologyApi, type SlideTask } from '../../pages/pathology/pathology-api';
import { zoomForMagnification } from './magnification';
import { advancedState, centreOf, nextOpenField, stepField } from './region-task';
import type { SlideView } from './slide-view';

export interface SlideTaskState {
  task: SlideTask | null;
  current: number | null;
  /** The caller is the task's assignee with the task open: fields and cells may be recorded. */
  canRecord: boolean;
  goTo(index: number): void;
  step(step: 1 | -1): void;
  done(): Promise<void>;
  /** Shows a box of the slide at the task's magnification (boundary review fields). */
  show(box: SlideBox): void;
}

export function useSlideTask(taskId: string | null, userId: string | null, view: () => SlideView | null, mpp: number | null, viewOpen: boolean, onError: (e: unknown) => void): SlideTaskState {
  const [task, setTask] = useState<SlideTask | null>(null);
  const [current, setCurrent] = useState<number | null>(null);
  const opened = useRef<string | null>(null);
  const onErrorRef = useRef(onError);
  onErrorRef.current = onError;
  const canRecord = task !== null && task.task.assigneeId === userId && (task.task.status === 'assigned' || task.task.status === 'in_progress');

  useEffect(() => {
    let cancelled = false;
    setTask(null);
    if (!taskId) return;
    pathologyApi.task(taskId).then(
      (t) => !cancelled && setTask(t),
      // A task outside the pathology workflow has no region: the viewer is then a plain slide viewer.
      (e: unknown) => !cancelled && !(e instanceof ApiError && e.code === 'DLN_NOT_FOUND') && onErrorRef.current(e),
    );
    return () => {
      cancelled = true;
    };
  }, [taskId]);

  const record = useCallback(
    (index: number, state: FieldState) => {
      if (!task || !canRecord) return Promise.resolve();
      const field = task.fields.find((f) => f.index === index);
      if (!field || advancedState(field.state, state) === field.state) return Promise.resolve();
      return pathologyApi.setField(task.task.id, index, state).then((updated) => {
        setTask((t) => {
          if (!t) return t;
          const fields = t.fields.map((f) => (f.index === index ? updated : f));
          const count = (s: FieldState) => fields.filter((f) => f.state === s).length;
          return { ...t, fields, progress: { unseen: count('unseen'), seen: count('seen'), done: count('done'), total: fields.length } };
        });
      }, (e: unknown) => onErrorRef.current(e));
    },
    [task, canRecord],
  );

  const show = useCallback(
    (box: SlideBox) => {
      const v = view();
      if (!v || !mpp || !task) return;
      v.zoomTo(zoomForMagnification(mpp, task.region.template.magnification), true);
      v.centreOn(centreOf(box), true);
    },
    [view, mpp, task],
  );

  const goTo = useCallback(
    (index: number) => {
      const field = task?.fields.find((f) => f.index === index);
      if (!field) return;
      setCurrent(index);
      show(field.box);
      void record(index, 'seen');
    },
    [task, show, record],
  );

  // The task opens at its first field not done, at the target magnification.
  useEffect(() => {
    if (!task || !viewOpen || !mpp || opened.current === task.task.id) return;
    opened.current = task.task.id;
    const first = nextOpenField(task.fields, null) ?? 0;
    goTo(first);
  }, [task, viewOpen, mpp, goTo]);

  const step = useCallback((s: 1 | -1) => {
    const next = stepField(task?.fields.length ?? 0, current, s);
    if (next !== null) goTo(next);
  }, [task, current, goTo]);

  const done = useCallback(async () => {
    if (current !== null) await record(current, 'done');
  }, [current, record]);

  return { task, current, canRecord, goTo, step, done, show };
}
