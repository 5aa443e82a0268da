import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api';
import { countOverlay, diffOverlay, workflowApi, type CorrectionSize, type ReviewResult, type ReviewSubmission, type SignificantRegionMark, type WorkflowTask } from '../workflow-api';
import type { ReviewContext } from '../workflow-api';
import { isLocked, useKeptMarks, type OpenedWork } from './queries';
import type { CorrectionView, LabelVolume } from './use-label-volume';

/** The workflow side of the open task (null for a task outside the clinical workflow). */
export interface WorkflowView {
  task: WorkflowTask;
  context: ReviewContext | null;
  /** Set once this screen signed the review. */
  signed: { reviewId: string; at: string; decision: string; correctionSizes: CorrectionSize[] } | null;
}

/**
 * The clinical workflow in the workspace (issue 7): the task's stage, significant-region marks
 * (kept on the server as they change), submitting for review, signing a review, and the
 * correction overlay (computed here from unsigned edits; the server's once signed).
 */
export function useWorkflow(work: OpenedWork | undefined, volume: LabelVolume | null, savedVersion: () => Promise<number | null>) {
  const [wf, setWf] = useState<WorkflowView | null>(null);
  const [marks, setMarks] = useState<SignificantRegionMark[]>([]);
  const [correction, setCorrection] = useState<CorrectionView | null>(null);
  const [showCorrection, setShowCorrection] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  /** The task whose kept marks were loaded: only then do changes go back to the server. */
  const marksKeptFor = useRef<string | null>(null);
  const correctionBuffer = useRef<Uint8Array | null>(null);
  const kept = useKeptMarks(work?.task ?? null);

  useEffect(() => {
    setWf(work?.task ? { task: work.task, context: work.context, signed: null } : null);
  }, [work]);
  // A signed correction's HD95 is computed by a job after the signature: ask again until it is there.
  const computingReview = wf?.signed?.correctionSizes.some((s) => s.hd95Computing) ? wf.signed.reviewId : null;
  const signedTaskId = wf?.task.id;
  useEffect(() => {
    if (!computingReview || !signedTaskId) return;
    let stopped = false;
    const timer = setInterval(() => {
      void workflowApi.reviewContext(signedTaskId).then((context) => {
        const sizes = context.history.find((h) => h.reviewId === computingReview)?.correctionSizes;
        if (stopped || !sizes || sizes.some((s) => s.hd95Computing)) return;
        setWf((current) => (current?.signed?.reviewId === computingReview ? { ...current, context, signed: { ...current.signed, correctionSizes: sizes } } : current));
      }, () => undefined);
    }, 2000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [computingReview, signedTaskId]);
  useEffect(() => {
    if (!work?.task || isLocked(work.task)) return;
    if (kept.data === undefined) return;
    setMarks(kept.data);
    marksKeptFor.current = work.task.id;
  }, [work, kept.data]);
  useEffect(() => {
    if (volume?.serverCorrection) setCorrection(volume.serverCorrection);
  }, [volume?.serverCorrection]);

  const reviewStage = wf && wf.task.stage !== 'annotate' ? (wf.task.stage as 'review' | 'expert_review') : null;
  /** Submitted work, and a signed review, are read-only. */
  const locked = wf !== null && (isLocked(wf.task) || wf.signed !== null);
  /** Kept marks must be in before marking, or a reload's marks would be overwritten. */
  const ready = !work?.task || isLocked(work.task) || marksKeptFor.current === work.task.id || kept.isError;

  // Every change to the marks of an open task is kept on the server at once, so a reload (or a
  // save and a later submit) never loses a mark; submitting records them on the revision.
  const taskId = wf?.task.id ?? null;
  const taskOpen = wf !== null && !isLocked(wf.task) && wf.signed === null;
  useEffect(() => {
    if (!taskId || !taskOpen || marksKeptFor.current !== taskId) return;
    workflowApi.keepMarks(taskId, marks).catch((e: unknown) => setError(e));
  }, [marks, taskId, taskOpen]);

  /** Review stages: the overlay of the unsigned edits against the reviewed version, kept current. */
  const refreshLocalCorrection = useCallback(() => {
    const original = volume?.original;
    if (!volume || !original || !reviewStage || locked) return;
    const buffer = correctionBuffer.current?.length === original.length ? correctionBuffer.current : new Uint8Array(original.length);
    correctionBuffer.current = buffer;
    const data = diffOverlay(original, volume.map.data, buffer);
    const counts = countOverlay(data);
    setCorrection(counts.added + counts.removed + counts.relabelled > 0 ? { source: 'local', data, counts } : null);
  }, [volume, reviewStage, locked]);

  const submitForReview = useCallback(async (): Promise<boolean> => {
    if (!wf || !work) return false;
    setBusy(true);
    setError(null);
    try {
      const version = await savedVersion();
      if (!version) throw new ApiError('DLN_CONFLICT', 'Save your annotation before submitting it', 409);
      const result = await workflowApi.submit(wf.task.id, work.annotation.id, marks);
      setWf({ ...wf, task: result.task, context: await workflowApi.reviewContext(wf.task.id).catch(() => wf.context) });
      setMarks([]);
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  }, [wf, work, savedVersion, marks]);

  /** Signs the review; a correction names the saved correction (saving unsent edits first). */
  const signReview = useCallback(
    async (body: Omit<ReviewSubmission, 'correctedVersion' | 'significantRegions'>): Promise<ReviewResult> => {
      if (!wf || !reviewStage || !volume) throw new Error('not a review');
      let correctedVersion: number | undefined;
      if (body.decision === 'correct') {
        const version = await savedVersion();
        if (version === null) throw new ApiError('DLN_CONFLICT', 'The correction could not be saved', 409);
        correctedVersion = version > (wf.task.revisionVersion ?? 0) ? version : undefined;
        if (correctedVersion === undefined) throw new ApiError('DLN_REQUEST_INVALID', 'Edit the mask and save the correction before choosing Correct', 400);
      }
      const result = await workflowApi.review(wf.task.id, reviewStage, { ...body, ...(correctedVersion !== undefined ? { correctedVersion } : {}), significantRegions: marks });
      const [task, context] = await Promise.all([workflowApi.task(wf.task.id), workflowApi.reviewContext(wf.task.id)]);
      setWf({ task: task ?? wf.task, context, signed: { reviewId: result.review.id, at: result.signedAt, decision: result.review.decision, correctionSizes: result.correctionSizes } });
      setMarks([]);
      if (correctedVersion !== undefined) {
        const d = volume.dims;
        const data = await workflowApi.correctionOverlay(wf.task.id, d.columns * d.rows * d.slices);
        setCorrection({ source: 'server', data, counts: countOverlay(data) });
        setShowCorrection(true);
      } else setCorrection(null);
      return result;
    },
    [wf, reviewStage, volume, savedVersion, marks],
  );

  return { wf, reviewStage, locked, ready, marks, setMarks, correction, showCorrection, setShowCorrection, busy, error, refreshLocalCorrection, submitForReview, signReview };
}
