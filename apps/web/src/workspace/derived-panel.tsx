import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import type { Label } from '@delineate/schema';
import { keys } from '../data/keys';
import { rtApi, type DerivedStructure } from '../pages/rt/rt-api';
import { derivedStateWords, recipeWords, refreshStateWords } from '../pages/rt/rt-words';
import { ErrorBox } from '../ui/ErrorBox';
import { defaultSources, emptyForm, recipeOf, type RecipeForm } from './derived-recipes';
import type { DerivedAfterSave } from './save-controller';

/** The annotation's derived structures (read by the panel and by the shell, which locks them against painting). */
export function useDerivedStructures(annotationId: string | null) {
  return useQuery({ queryKey: keys.derivedStructures(annotationId ?? ''), queryFn: () => rtApi.derived(annotationId!), enabled: annotationId !== null });
}

const directions = [
  ['minusX', 'right'],
  ['plusX', 'left'],
  ['minusY', 'front'],
  ['plusY', 'back'],
  ['minusZ', 'down'],
  ['plusZ', 'up'],
] as const;

interface Props {
  annotationId: string;
  labels: readonly Label[];
  readOnly: boolean;
  /** Saves unsent edits first; the version to derive from, or null when it could not be saved. */
  savedVersion: () => Promise<number | null>;
  /** A derive or detach made `version` the head: the shell loads it and says `text`. */
  onHead: (version: number, text: string) => Promise<void>;
}

/**
 * Derived structures in the radiology workspace (issue 23): each with its recipe in words and
 * where it stands (derived, edited by hand, out of date, detached), a way to derive a structure
 * (a margin around sources, per direction when needed, kept out of clipping structures; or a
 * union, overlap or subtraction), and to derive again or detach. The server recomputes them after
 * every save of their sources.
 */
export function DerivedPanel({ annotationId, labels, readOnly, savedVersion, onHead }: Props) {
  const client = useQueryClient();
  const structures = useDerivedStructures(annotationId);
  const [target, setTarget] = useState('');
  const [form, setForm] = useState<RecipeForm>(emptyForm());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const nameOf = (key: string) => labels.find((l) => l.key === key)?.name ?? key;
  const targets = labels.filter((l) => l.rtRoiInterpretedType !== 'GTV');

  const run = async (what: () => Promise<{ version: number; text: string } | null>) => {
    setBusy(true);
    setError(null);
    try {
      const done = await what();
      if (done) await onHead(done.version, done.text);
    } catch (e) {
      setError(e);
    } finally {
      await client.invalidateQueries({ queryKey: keys.derivedStructures(annotationId) });
      setBusy(false);
    }
  };
  const derive = (key: string, recipe: ReturnType<typeof recipeOf>) =>
    run(async () => {
      if (!recipe.ok) {
        setProblem(recipe.reason);
        return null;
      }
      setProblem(null);
      const version = await savedVersion();
      if (version === null) {
        setProblem('Your edits could not be saved, so nothing was derived.');
        return null;
      }
      const made = await rtApi.derive(annotationId, version, key, recipe.recipe);
      return { version: made.revision.version, text: `Derived ${nameOf(key)}: ${recipeWords(recipe.recipe, nameOf)} (version ${made.revision.version}).` };
    });
  const chooseTarget = (key: string) => {
    setTarget(key);
    setForm((f) => ({ ...f, sources: defaultSources(labels.find((l) => l.key === key), labels) }));
  };
  const toggle = (field: 'sources' | 'clips', key: string, on: boolean) => setForm((f) => ({ ...f, [field]: on ? [...f[field], key] : f[field].filter((k) => k !== key) }));

  return (
    <section className="derived" data-testid="derived-panel" aria-label="Derived structures">
      <h3>Derived structures</h3>
      <ErrorBox error={structures.error ?? error} />
      {(structures.data ?? []).length === 0 && <p className="muted">None yet: a CTV or PTV derived here follows its sources whenever they are saved.</p>}
      <ul style={{ listStyle: 'none', padding: 0 }}>
        {(structures.data ?? []).map((s: DerivedStructure) => {
          const state = derivedStateWords(s);
          const label = labels.find((l) => l.key === s.target);
          return (
            <li key={s.target} data-testid="derived-structure" data-target={s.target} data-state={state.title} style={{ marginBottom: 8 }}>
              <span className="swatch" style={{ background: label?.colour }} /> <strong>{nameOf(s.target)}</strong> · <em data-testid="derived-state">{state.title}</em>
              <div data-testid="derived-recipe">
                {recipeWords(s.recipe, nameOf)} (recipe version {s.recipeVersion})
              </div>
              <div className="muted">{state.detail}</div>
              {!readOnly && (
                <div style={{ display: 'flex', gap: 6 }}>
                  {(s.editedVersion !== null || s.detachedVersion !== null) && (
                    <button type="button" disabled={busy} onClick={() => void derive(s.target, { ok: true, recipe: s.recipe })} data-testid="derive-again">
                      Derive again
                    </button>
                  )}
                  {s.detachedVersion === null && (
                    <button
                      type="button"
                      disabled={busy}
                      onClick={() => void run(async () => ((await rtApi.detach(annotationId, s.target)), null))}
                      data-testid="detach"
                      title="Draw it by hand from now on; it is no longer recomputed"
                    >
                      Detach
                    </button>
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {!readOnly && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (target) void derive(target, recipeOf(form));
          }}
          style={{ display: 'grid', gap: 4 }}
          aria-label="Derive a structure"
        >
          <label>
            Make{' '}
            <select value={target} onChange={(e) => chooseTarget(e.target.value)} data-testid="derive-target">
              <option value="">choose a structure…</option>
              {targets.map((l) => (
                <option key={l.key} value={l.key}>
                  {l.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            as{' '}
            <select value={form.kind} onChange={(e) => setForm((f) => ({ ...f, kind: e.target.value as RecipeForm['kind'] }))} data-testid="derive-kind">
              <option value="margin">a margin around</option>
              <option value="union">all of</option>
              <option value="intersection">the overlap of</option>
              <option value="subtraction">the first without the others</option>
            </select>
          </label>
          <fieldset data-testid="derive-sources">
            <legend>{form.kind === 'margin' ? 'Grow from' : 'Structures'}</legend>
            {labels.filter((l) => l.key !== target).map((l) => (
              <label key={l.key} style={{ display: 'block' }}>
                <input type="checkbox" checked={form.sources.includes(l.key)} onChange={(e) => toggle('sources', l.key, e.target.checked)} data-source={l.key} /> {l.name}
              </label>
            ))}
          </fieldset>
          {form.kind === 'margin' && (
            <>
              <label>
                <input type="checkbox" checked={form.even} onChange={(e) => setForm((f) => ({ ...f, even: e.target.checked, margin: { minusX: f.marginMm, plusX: f.marginMm, minusY: f.marginMm, plusY: f.marginMm, minusZ: f.marginMm, plusZ: f.marginMm } }))} /> The same margin in every direction
              </label>
              {form.even ? (
                <label>
                  Margin (mm){' '}
                  <input type="number" min={0} max={100} step={0.5} value={form.marginMm} onChange={(e) => setForm((f) => ({ ...f, marginMm: Number(e.target.value) }))} data-testid="derive-margin" style={{ width: 70 }} />
                </label>
              ) : (
                directions.map(([field, word]) => (
                  <label key={field}>
                    {word} (mm){' '}
                    <input type="number" min={0} max={100} step={0.5} value={form.margin[field]} onChange={(e) => setForm((f) => ({ ...f, margin: { ...f.margin, [field]: Number(e.target.value) } }))} data-testid={`derive-margin-${field}`} style={{ width: 70 }} />
                  </label>
                ))
              )}
              <details>
                <summary>Keep out of…</summary>
                {labels.filter((l) => l.key !== target && !form.sources.includes(l.key)).map((l) => (
                  <label key={l.key} style={{ display: 'block' }}>
                    <input type="checkbox" checked={form.clips.includes(l.key)} onChange={(e) => toggle('clips', l.key, e.target.checked)} /> {l.name}
                  </label>
                ))}
              </details>
            </>
          )}
          <div>
            <button type="submit" disabled={busy || !target} data-testid="derive">
              Derive
            </button>
          </div>
          {problem && (
            <div className="error" role="alert">
              {problem}
            </div>
          )}
        </form>
      )}
    </section>
  );
}

/**
 * What the shell does after its own save when the server recomputed derived structures in the
 * same request: load the new head (redoing edits made meanwhile) and say what happened, in words.
 */
export function useDerivedAfterSave(annotationId: string | null, labels: readonly Label[], on: { loadNewer: (version: number, redoMine: boolean) => Promise<void>; notice: (text: string) => void }) {
  const client = useQueryClient();
  const { loadNewer, notice } = on;
  return useCallback(
    async (derived: DerivedAfterSave | null): Promise<void> => {
      if (!derived || !annotationId) return;
      if (derived.revision) await loadNewer(derived.revision.version, true);
      await client.invalidateQueries({ queryKey: keys.derivedStructures(annotationId) });
      const nameOf = (key: string) => labels.find((l) => l.key === key)?.name ?? key;
      const said = derived.structures.filter((s) => s.state !== 'current').map((s) => `${nameOf(s.target)} ${refreshStateWords[s.state]}`);
      if (said.length) notice(`Derived structures after your save: ${said.join('; ')}${derived.revision ? ` (version ${derived.revision.version})` : ''}.`);
    },
    [client, annotationId, labels, loadNewer, notice],
  );
}
