import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { ItemView, Session } from '../api';
import type { Draft } from '../drafts';
import { createToolSet, defaultToolOptions, type ToolEffect, type ToolId, type ToolOptions } from '../tools';
import { ErrorBox } from '../ui/ErrorBox';
import { modalityDisplay } from '../viewer/modality-presets';
import { AnnotatePanel, checklistWords, MarkDialog, type PendingBox } from '../ui/AnnotatePanel';
import { ReviewPanel } from '../ui/ReviewPanel';
import type { SceneBox } from '../viewer/overlay';
import { draftTiles } from '../viewer/tile-labelmap';
import { RtStructImport } from '../pages/rt/RtStructImport';
import { DerivedPanel, useDerivedAfterSave, useDerivedStructures } from './derived-panel';
import { lockedLabelValues } from './derived-recipes';
import { ConflictDialog, DraftOffer, ErrorOverlay, HelpOverlay, NoticeToast } from './dialogs';
import { saveStateText, WorkspaceHeader } from './header';
import { LabelsPanel, RevisionsPanel, ToolBar } from './panels';
import { useInvalidateAfterSave, useItem, useOpenedWork, useRevisions } from './queries';
import type { SaveState } from './save-controller';
import { centreOf, shellShortcuts, withoutClaimedKeys } from './shell-shortcuts';
import { ShortcutRegistry, stopsDefault, typingTarget } from './shortcuts';
import { PreannotatePanel } from './preannotate-panel';
import { usePreannotation } from './preannotate-state';
import { exposeWorkspace } from './test-hooks';
import { useLabelVolume, type LabelVolume } from './use-label-volume';
import { useLabelVolumes } from './use-label-volumes';
import { useRevisionViews } from './use-revision-views';
import { useWorkflow } from './use-workflow';
import type { LabelLayers, TileLayers, ViewerProps, ViewerRegistration } from './viewer-contract';

/** Whether a registration opens this item: its kind, then the registration's own narrowing. */
const opens = (v: ViewerRegistration, item: Pick<ItemView, 'kind' | 'modality'>) => v.kinds.includes(item.kind) && (v.matches?.(item) ?? true);

const markColours = { stored: '#ff9f1a', mine: '#33d6ff', drawing: '#ffffff' };
const nothingSaved: SaveState = { kind: 'saved', version: 0 };
const noSubscription = () => () => undefined;

/**
 * The workspace shell every item kind shares: the header (save state, task stage), the tool bar,
 * the side panels (labels and their definitions, revisions, review and workflow), the shortcut
 * registry and its help, the dialogs (draft, conflict), and the slot where the viewer of the
 * item's kind draws. Server state comes through TanStack Query (queries.ts); the label volume and
 * its saving through the save controller (use-label-volume.ts).
 */
export function WorkspaceShell(props: { session: Session; itemId: string; taskId: string | null; annotationId: string | null; viewers: readonly ViewerRegistration[] }) {
  const item = useItem(props.itemId).data;
  const opened = useOpenedWork(props.itemId, props.taskId, props.annotationId);
  const work = opened.data;
  const [error, setError] = useState<unknown>(null);
  const kind = work?.item.kind ?? item?.kind;
  const shownItem = work?.item ?? item;
  const registration = props.viewers.find((v) => kind !== undefined && shownItem !== undefined && opens(v, shownItem));
  const { volume, complete } = useLabelVolume(work, registration?.labels ?? 'volume', setError);
  const saves = volume?.saves ?? null;
  const saveState = useSyncExternalStore(saves ? (l) => saves.subscribe(l) : noSubscription, () => saves?.state ?? nothingSaved);
  const tools = useMemo(createToolSet, []);
  const [toolId, setToolId] = useState<ToolId>('brush');
  const [options, setOptions] = useState<ToolOptions>(defaultToolOptions);
  const [labelValue, setLabelValue] = useState(1);
  const [visible, setVisible] = useState<Set<number>>(new Set());
  const [opacity, setOpacity] = useState<Map<number, number>>(new Map());
  const [outline, setOutline] = useState(false);
  const [cursor, setCursor] = useState<[number, number, number]>([0, 0, 0]);
  const [labelsVersion, setLabelsVersion] = useState(0);
  const [help, setHelp] = useState(false);
  const [offeredDraft, setOfferedDraft] = useState<Draft | null>(null);
  const [image, setImage] = useState({ loaded: 0, total: 0 });
  const [notice, setNotice] = useState<string | null>(null);
  const [pendingMark, setPendingMark] = useState<PendingBox | null>(null);
  const [drawingBox, setDrawingBox] = useState<SceneBox | null>(null);
  const [controls, setControls] = useState<HTMLElement | null>(null);
  // The shell's scope is created first so the help lists its shortcuts before the viewer's.
  const registry = useMemo(() => {
    const r = new ShortcutRegistry();
    r.set('shell', []);
    return r;
  }, []);
  const viewerHooks = useRef<Record<string, (...args: never[]) => unknown>>({});
  const revisions = useRevisions(work?.annotation.id ?? null);
  const invalidate = useInvalidateAfterSave(work?.annotation.id ?? null, props.taskId);
  const bump = useCallback(() => setLabelsVersion((v) => v + 1), []);
  const labels = useMemo(() => work?.item.labelSchema.labels ?? [], [work]);
  // The image starts loading while the task, the annotation and its labels are fetched.
  useEffect(() => {
    if (item) props.viewers.find((v) => opens(v, item))?.prefetch?.(item);
  }, [item, props.viewers]);
  const { viewing, setViewing, compare, setCompare, lookAt, loadNewer } = useRevisionViews(work, volume, { changed: bump, saved: invalidate, notice: setNotice, error: setError });
  // Radiotherapy (issue 23): derived structures follow their sources on save and are not painted unless detached.
  const derived = useDerivedStructures(work?.annotation.id ?? null);
  const afterDerived = useDerivedAfterSave(work?.annotation.id ?? null, labels, { loadNewer, notice: setNotice });
  const paintLocked = lockedLabelValues(derived.data ?? [], labels).has(labelValue);

  // A newly opened volume: every label shown at half opacity, the last label selected, the cursor
  // in the middle, set while rendering so the viewer's first render already has them.
  const [settledFor, setSettledFor] = useState<LabelVolume['map'] | null>(null);
  if (volume && settledFor !== volume.map) {
    setSettledFor(volume.map);
    setVisible(new Set(labels.map((l) => l.value)));
    setOpacity(new Map(labels.map((l) => [l.value, 0.5])));
    setLabelValue(labels[labels.length - 1]?.value ?? 1);
    setCursor(volume.start);
  }
  // Unsent work from an earlier visit is offered once every tile is in (restoring earlier would be overwritten).
  useEffect(() => {
    if (!complete || !saves) return;
    let cancelled = false;
    void saves.findDraft().then((draft) => !cancelled && draft && setOfferedDraft(draft));
    return () => {
      cancelled = true;
    };
  }, [complete, saves]);

  /** Submitted work and signed reviews are not saved (known once the workflow is read, below). */
  const lockedRef = useRef(false);
  const save = useCallback(async (): Promise<number | null> => {
    if (!saves || viewing || !complete || lockedRef.current) return null;
    const revision = await saves.save();
    if (revision) invalidate();
    await afterDerived(saves.takeDerived());
    return revision && !saves.dirty ? saves.baseVersion : null;
  }, [saves, viewing, complete, invalidate, afterDerived]);
  const savedVersion = useCallback(async () => (saves?.dirty ? save() : (saves?.baseVersion ?? null)), [saves, save]);
  const workflow = useWorkflow(work, volume, savedVersion);
  const showDraft = useCallback((drawn: Uint8Array | null) => setCompare(drawn ? { title: 'model draft', data: drawn } : null), [setCompare]);
  const loadDraftVersion = useCallback((version: number) => loadNewer(version, true), [loadNewer]);
  const preannotation = usePreannotation(work, props.taskId, volume, { save: savedVersion, loadVersion: loadDraftVersion, showDraft, changed: bump, error: setError, labelValue: (key) => labels.find((l) => l.key === key)?.value });
  const { recorder, onClick: promptClick, onBox: promptBox, onBoxDrag: promptBoxDrag } = preannotation;
  const { wf, reviewStage, locked } = workflow;
  lockedRef.current = locked;
  const readOnly = viewing !== null || locked || !complete;
  const { refreshLocalCorrection } = workflow;
  useEffect(() => {
    if (saveState.kind !== 'saving') refreshLocalCorrection();
  }, [saveState, refreshLocalCorrection]);

  const toolContext = useCallback(() => (volume?.kind === 'volume' ? { map: volume.map, label: labelValue, image: null, options } : null), [volume, labelValue, options]);
  const onToolEffect = useCallback(
    (effect: ToolEffect) => {
      if (effect.kind === 'edited') {
        if (effect.magnification !== undefined && saves) saves.magnification = effect.magnification;
        bump();
        recorder.stroke();
        if (effect.notice) setNotice(effect.notice);
      } else if (effect.kind === 'cursor') {
        setCursor(effect.voxel);
        promptClick(effect.voxel, effect.released === true);
      }
      else if (effect.kind === 'notice') setNotice(effect.text);
      else if (effect.kind === 'box') {
        if (!effect.final) {
          setDrawingBox({ ...effect.box, colour: markColours.drawing });
          promptBoxDrag(effect.box);
        }
        else {
          setDrawingBox(null);
          if (!promptBox(effect.box, { low: options.threshold.lower, high: options.threshold.upper })) setPendingMark({ box: effect.box, labelValue });
        }
      }
    },
    [bump, labelValue, recorder, promptClick, promptBox, promptBoxDrag, options.threshold, saves],
  );
  const interpolate = useCallback(() => {
    const ctx = toolContext();
    if (ctx && !readOnly) onToolEffect(tools.interpolate.key(ctx, 'i'));
  }, [toolContext, readOnly, onToolEffect, tools]);
  const undo = useCallback(() => void (!readOnly && volume?.map.undo() && (recorder.undo(), bump())), [readOnly, volume, bump, recorder]);
  // Presses on the image count as clicks of the correction effort (strokes are counted as edits).
  useEffect(() => {
    const onDown = (e: PointerEvent) => void (e.target instanceof HTMLCanvasElement && recorder.click());
    document.addEventListener('pointerdown', onDown, true);
    return () => document.removeEventListener('pointerdown', onDown, true);
  }, [recorder]);
  const redo = useCallback(() => void (!readOnly && volume?.map.redo() && bump()), [readOnly, volume, bump]);
  const toggleMarkTool = useCallback(() => setToolId((t) => (t === 'mark' ? 'brush' : 'mark')), []);

  useEffect(() => {
    registry.set(
      'shell',
      withoutClaimedKeys(shellShortcuts({
        setTool: setToolId,
        toggleSphere: () => setOptions((o) => ({ ...o, sphere: !o.sphere })),
        resize: (d) => setOptions((o) => ({ ...o, radiusMm: Math.max(0.5, Math.min(50, o.radiusMm + d)) })),
        selectLabel: (i) => labels[i] && setLabelValue(labels[i].value),
        toggleSelectedVisible: () => setVisible((v) => (v.has(labelValue) ? new Set([...v].filter((x) => x !== labelValue)) : new Set([...v, labelValue]))),
        interpolate,
        undo,
        redo,
        save: registration?.saves === 'viewer' ? null : () => void save(),
        toggleMark: wf && !readOnly ? toggleMarkTool : null,
        toggleHelp: () => setHelp((h) => !h),
        volumeTools: registration?.labels !== 'tiles',
        escape: () => {
          setHelp(false);
          const ctx = toolContext();
          if (ctx) tools[toolId].cancel(ctx);
          bump();
        },
      }), registration?.claimsKeys),
    );
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // An open modal dialog (signature, significant region) takes every key, wherever focus is.
      if (document.querySelector('[aria-modal="true"]') || typingTarget(e.target)) return;
      if (registry.handle(e) && stopsDefault(e)) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [registry]);

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

  // Ready only with the opened work itself: a label volume kept from before a refetch is not it.
  const ready = work !== undefined && volume !== null && complete && (!work.task || wf !== null) && workflow.ready;
  useEffect(() =>
    exposeWorkspace(viewerHooks.current, {
      ready,
      volume,
      annotationId: work?.annotation.id,
      stage: wf?.task.stage ?? null,
      readOnly,
      correction: workflow.correction,
    }),
  );

  const boxes = useMemo<SceneBox[]>(() => {
    const name = (key: string) => labels.find((l) => l.key === key)?.name ?? key;
    return [
      ...(wf?.context?.significantRegions ?? []).flatMap((m) => (m.box ? [{ min: m.box.min, max: m.box.max, colour: markColours.stored, label: `${name(m.labelKey)} (marked)` }] : [])),
      ...workflow.marks.flatMap((m) => (m.box ? [{ min: m.box.min, max: m.box.max, colour: markColours.mine, label: `${name(m.labelKey)} (new mark)` }] : [])),
      ...(drawingBox ? [drawingBox] : []),
    ];
  }, [wf, workflow.marks, drawingBox, labels]);
  const { correction, showCorrection } = workflow;
  const layers = useMemo<LabelLayers | null>(
    () =>
      volume?.kind !== 'volume'
        ? null
        : {
        map: volume.map,
        shown: viewing?.data ?? volume.map.data,
        compare: compare?.data ?? null,
        correction: showCorrection && !viewing ? (correction?.data ?? null) : null,
        boxes,
        version: labelsVersion,
      },
    [volume, viewing, compare, correction, showCorrection, boxes, labelsVersion],
  );
  const tileLayers = useMemo<TileLayers | null>(() => (volume?.kind === 'tiles' ? { map: volume.map, load: volume.load, version: labelsVersion } : null), [volume, labelsVersion]);

  const volumes = useLabelVolumes(layers?.shown ?? null, labelsVersion, volume?.dims.spacing ?? null);

  const failure = error ?? opened.error;
  if (failure && !volume) {
    return (
      <div className="page">
        <ErrorBox error={failure} />
        <a href="#/">Back to my work</a>
      </div>
    );
  }
  if (work && !registration) return <div className="page">This kind of item ({work.item.kind.replace(/_/g, ' ')}) cannot be opened here yet.</div>;
  if (!work || !volume || !registration || !(layers ?? tileLayers)) return <div className="page">Opening the image…</div>;
  const { dims } = volume;
  const others = work.item.annotations.filter((a) => !a.mine && a.headVersion > 0 && a.id !== work.annotation.id);
  const common: Omit<ViewerProps, 'layers'> = {
    item: work.item,
    annotationId: work.annotation.id,
    taskId: props.taskId,
    dims,
    labels,
    visible,
    opacity,
    outline,
    tool: readOnly || (paintLocked && toolId !== 'crosshair') ? null : tools[toolId],
    label: labelValue,
    options,
    cursor,
    controls,
    shortcuts: registry,
    onToolEffect,
    onCursor: setCursor,
    onImageProgress: (loaded, total) => setImage({ loaded, total }),
    onError: setError,
    exposeForTests: (hooks) => void (viewerHooks.current = hooks),
    annotation: { id: work.annotation.id, headVersion: work.annotation.headVersion },
  };
  const viewer =
    registration.labels === 'tiles' ? tileLayers && <registration.component {...common} layers={tileLayers} /> : layers && <registration.component {...common} layers={layers} />;
  // A slide loads tiles, not slices: its viewer reports them.
  const imageTotal = volume.kind === 'tiles' ? image.total : dims.slices;
  const loading = image.loaded < imageTotal ? `loading ${image.loaded}/${imageTotal}` : !complete ? 'loading labels' : null;

  return (
    <>
      <WorkspaceHeader
        what={`${work.item.modality} · ${dims.columns}×${dims.rows}×${dims.slices}`}
        loading={loading}
        state={saveStateText(saveState, viewing?.title ?? null, locked && wf ? { task: wf.task, signed: wf.signed !== null } : null)}
        stage={wf?.task.stage ?? null}
        correction={reviewStage !== null}
        canSave={!readOnly && saveState.kind !== 'saving'}
        onSave={registration.saves === 'viewer' ? null : () => void save()}
        onHelp={() => setHelp(true)}
      />
      <div className={`workspace${reviewStage ? ' with-review' : ''}`}>
        <div className="panel">
          <ToolBar valueLabel={modalityDisplay(work.item.modality).valueLabel} tools={tools} active={toolId} readOnly={readOnly} options={options} onTool={setToolId} onOptions={(c) => setOptions((o) => ({ ...o, ...c }))} onInterpolate={interpolate} onUndo={undo} onRedo={redo} volumeTools={volume.kind === 'volume'} />
          {props.taskId && volume.kind === 'volume' && (
            <PreannotatePanel
              p={preannotation}
              labels={labels}
              slice={cursor[2]}
              readOnly={readOnly}
              onArm={(mode) => {
                preannotation.setArmed(mode);
                if (mode) setToolId(mode === 'click' ? 'crosshair' : 'mark');
              }}
            />
          )}
          <div ref={setControls} />
          <RevisionsPanel
            revisions={revisions.data ?? []}
            others={others}
            viewing={viewing !== null}
            compareTitle={compare?.title ?? null}
            onOpen={(id, version, title) => void lookAt(id, version, title, 'viewing')}
            onBack={() => setViewing(null)}
            onEndCompare={() => setCompare(null)}
          />
        </div>
        {viewer}
        <div className="panel right">
          {/* The reviewer's checklist shares the labels' column, so the image views keep their width. */}
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
              onShowCorrection={workflow.setShowCorrection}
              correctionAvailable={(correction?.counts.added ?? 0) + (correction?.counts.removed ?? 0) + (correction?.counts.relabelled ?? 0) > 0}
              marks={workflow.marks}
              markTool={toolId === 'mark'}
              onMarkTool={toggleMarkTool}
              onRemoveMark={(i) => workflow.setMarks((m) => m.filter((_, k) => k !== i))}
              onGoTo={(box) => setCursor(centreOf(box))}
              sign={(body) => workflow.signReview(body).finally(() => setToolId('crosshair'))}
            />
          )}
          {wf && !reviewStage && (
            <AnnotatePanel
              task={wf.task}
              locked={locked}
              busy={workflow.busy}
              error={workflow.error}
              unsaved={saveState.kind !== 'saved'}
              marks={workflow.marks}
              storedMarks={wf.context?.significantRegions ?? []}
              markTool={toolId === 'mark'}
              onMarkTool={toggleMarkTool}
              onRemoveMark={(i) => workflow.setMarks((m) => m.filter((_, k) => k !== i))}
              onGoTo={(box) => setCursor(centreOf(box))}
              words={checklistWords(wf.context?.checklist, labels)}
              onSubmit={() =>
                void preannotation
                  .sendActivity()
                  .then(
                    () => workflow.submitForReview(),
                    (e: unknown) => {
                      setError(e);
                      return false;
                    },
                  )
                  .then((done) => {
                    if (!done) return;
                    setToolId('crosshair');
                    setNotice('Submitted for review. The annotation is now read-only.');
                  })
              }
            />
          )}
          {volume.kind === 'volume' && labels.some((l) => l.rtRoiInterpretedType) && (
            <DerivedPanel annotationId={work.annotation.id} labels={labels} readOnly={readOnly} savedVersion={savedVersion} onHead={(version, text) => loadNewer(version, false).then(() => setNotice(text))} />
          )}
          {volume.kind === 'volume' && !readOnly && labels.some((l) => l.rtRoiInterpretedType) && (
            <RtStructImport annotationId={work.annotation.id} labels={labels} savedVersion={savedVersion} onHead={(version, text) => loadNewer(version, false).then(() => setNotice(text))} />
          )}
          {paintLocked && !readOnly && <div className="notice" data-testid="derived-locked">This structure is derived: it follows its sources. Detach it to draw it by hand.</div>}
          <LabelsPanel
            schema={work.item.labelSchema}
            selected={labelValue}
            visible={visible}
            opacity={opacity}
            onSelect={setLabelValue}
            onVisible={(value, shown) => setVisible((v) => (shown ? new Set([...v, value]) : new Set([...v].filter((x) => x !== value))))}
            onOpacity={(value, o) => setOpacity((m) => new Map(m).set(value, o))}
            volumes={volumes}
            outline={outline}
            onOutline={setOutline}
          />
        </div>
      </div>
      {pendingMark && (
        <MarkDialog
          pending={pendingMark}
          labels={labels}
          slices={dims.slices}
          onAdd={(mark) => {
            workflow.setMarks((m) => [...m, mark]);
            setPendingMark(null);
          }}
          onCancel={() => setPendingMark(null)}
        />
      )}
      {notice && <NoticeToast text={notice} onClose={() => setNotice(null)} />}
      {error !== null && <ErrorOverlay error={error} onClose={() => setError(null)} />}
      {saveState.kind === 'failed' && (
        <div style={{ position: 'fixed', bottom: 12, left: 240 }}>
          <ErrorBox error={saveState.error} />
        </div>
      )}
      {offeredDraft && (
        <DraftOffer
          draft={offeredDraft}
          headVersion={work.annotation.headVersion}
          onRestore={() => {
            setOfferedDraft(null);
            // Sparse labels: the draft's tiles' stored labels come in first, then the draft goes over them.
            const ready = volume.kind === 'tiles' ? volume.load(draftTiles(volume.map.grid, offeredDraft)) : Promise.resolve();
            void ready.then(() => volume.saves.restoreDraft(offeredDraft) && bump(), setError);
          }}
          onDiscard={() => {
            void volume.saves.discardDraft();
            setOfferedDraft(null);
          }}
        />
      )}
      {saveState.kind === 'conflict' && (
        <ConflictDialog
          currentVersion={saveState.currentVersion}
          baseVersion={volume.saves.baseVersion}
          onCompare={() => void lookAt(null, saveState.currentVersion, `version ${saveState.currentVersion}`, 'compare').then(() => volume.saves.resumeEditing())}
          onRedo={() => void loadNewer(saveState.currentVersion, true)}
          onLoad={() => void loadNewer(saveState.currentVersion, false)}
        />
      )}
      {help && <HelpOverlay shortcuts={registry.entries()} onClose={() => setHelp(false)} />}
    </>
  );
}
