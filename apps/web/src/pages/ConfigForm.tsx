import type { WorkflowConfig } from '@delineate/schema';
import { useMemo, useState, type FormEvent } from 'react';
import { useSaveConfig } from '../data/projects';
import type { DocumentChoices } from '../project-api';
import { ErrorBox } from '../ui/ErrorBox';
import { formOf, refKey, validateForm, type FormErrors, type WorkflowForm } from '../ui/workflow-form';
import { oversightText } from './project-words';

function FieldError({ errors, field }: { errors: FormErrors; field: keyof WorkflowForm }) {
  const message = errors[field];
  if (!message) return null;
  return (
    <div className="field-error" role="alert" data-testid={`error-${field}`}>
      {message}
    </div>
  );
}

/**
 * The workflow configuration form: checked field by field on this computer before anything is
 * sent; the server's refusal is shown under it. Mounted anew with the stored configuration after
 * a save or a reload.
 */
export function ConfigForm(props: {
  projectId: string;
  stored: WorkflowConfig;
  documents: DocumentChoices;
  canEdit: boolean;
  saved: string | null;
  onSaved: () => void;
  onReload: () => void;
  onEdit: () => void;
}) {
  const { documents, canEdit, saved } = props;
  const [form, setForm] = useState<WorkflowForm>(() => formOf(props.stored));
  const [errors, setErrors] = useState<FormErrors>({});
  const save = useSaveConfig(props.projectId);
  const busy = save.isPending;
  const schema = useMemo(() => documents.labelSchemas.find((s) => refKey(s) === form.labelSchema) ?? null, [documents, form.labelSchema]);

  const update = (patch: Partial<WorkflowForm>) => {
    props.onEdit();
    setForm({ ...form, ...patch });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    save.reset();
    props.onEdit();
    const result = validateForm(form, documents);
    setErrors(result.errors);
    if (!result.config) return;
    try {
      await save.mutateAsync(result.config);
      props.onSaved();
    } catch {
      // Shown below from the mutation's error.
    }
  };

  const disabled = !canEdit || busy;
  return (
    <form onSubmit={(e) => void submit(e)} noValidate data-testid="config-form">
      <fieldset>
        <legend>Oversight model</legend>
        {(['direct_clinical', 'supervised_technologist'] as const).map((model) => (
          <label className="choice" key={model}>
            <input type="radio" name="oversight" value={model} checked={form.oversightModel === model} disabled={disabled} onChange={() => update({ oversightModel: model })} data-testid={`oversight-${model}`} />
            <span>
              <strong>{oversightText[model].title}</strong>
              <p>{oversightText[model].text}</p>
            </span>
          </label>
        ))}
      </fieldset>

      <fieldset>
        <legend>Pinned documents</legend>
        <div className="field">
          <label htmlFor="label-schema">Label schema version</label>
          <select
            id="label-schema"
            value={form.labelSchema}
            disabled={disabled}
            onChange={(e) => {
              const next = documents.labelSchemas.find((s) => refKey(s) === e.target.value);
              const keys = new Set(next?.labels.map((l) => l.key) ?? []);
              update({ labelSchema: e.target.value, expertLabelKeys: form.expertLabelKeys.filter((k) => keys.has(k)) });
            }}
          >
            {documents.labelSchemas.map((s) => (
              <option key={refKey(s)} value={refKey(s)}>
                {s.name} · version {s.version} ({s.labels.map((l) => l.key).join(', ')})
              </option>
            ))}
          </select>
          <FieldError errors={errors} field="labelSchema" />
        </div>
        <div className="field">
          <label htmlFor="review-protocol">Review protocol version</label>
          <select id="review-protocol" value={form.reviewProtocol} disabled={disabled} onChange={(e) => update({ reviewProtocol: e.target.value })}>
            {documents.reviewProtocols.map((p) => (
              <option key={refKey(p)} value={refKey(p)}>
                {p.name} · version {p.version} ({p.checklist.length} checklist items)
              </option>
            ))}
          </select>
          <FieldError errors={errors} field="reviewProtocol" />
        </div>
      </fieldset>

      <fieldset>
        <legend>Agreement sampling</legend>
        <div className="field">
          <label htmlFor="fraction">Fraction of items read by several readers (0–1)</label>
          <input id="fraction" type="number" step="0.05" min="0" max="1" value={form.fraction} disabled={disabled} onChange={(e) => update({ fraction: e.target.value })} />
          <FieldError errors={errors} field="fraction" />
        </div>
        <div className="field">
          <label htmlFor="readers">Readers per sampled item</label>
          <input id="readers" type="number" step="1" min="1" max="20" value={form.readersPerItem} disabled={disabled} onChange={(e) => update({ readersPerItem: e.target.value })} />
          <FieldError errors={errors} field="readersPerItem" />
        </div>
        <label className="choice">
          <input id="blinded" type="checkbox" checked={form.blinded} disabled={disabled} onChange={(e) => update({ blinded: e.target.checked })} />
          <span>Blinded: readers of a sampled item do not see each other's masks until all have submitted</span>
        </label>
      </fieldset>

      <fieldset>
        <legend>Expert review</legend>
        <div className="field">
          <label>Labels whose presence sends the work to an expert reviewer</label>
          <div className="checks">
            {(schema?.labels ?? []).map((l) => (
              <label key={l.key} className="choice">
                <input
                  type="checkbox"
                  data-testid={`expert-label-${l.key}`}
                  checked={form.expertLabelKeys.includes(l.key)}
                  disabled={disabled}
                  onChange={(e) => update({ expertLabelKeys: e.target.checked ? [...form.expertLabelKeys, l.key] : form.expertLabelKeys.filter((k) => k !== l.key) })}
                />
                <span>
                  {l.name} <code>{l.key}</code>
                </span>
              </label>
            ))}
          </div>
          <FieldError errors={errors} field="expertLabelKeys" />
        </div>
        <label className="choice">
          <input id="significant-regions" type="checkbox" checked={form.significantRegions} disabled={disabled} onChange={(e) => update({ significantRegions: e.target.checked })} />
          <span>A region marked diagnostically significant (by the annotator or reviewer) sends the work to an expert reviewer</span>
        </label>
      </fieldset>

      <fieldset>
        <legend>Agreement thresholds and sampling seed</legend>
        <div className="field">
          <label htmlFor="dice">High agreement from mean pairwise Dice (0–1)</label>
          <input id="dice" type="number" step="0.01" min="0" max="1" value={form.dice} disabled={disabled} onChange={(e) => update({ dice: e.target.value })} />
          <FieldError errors={errors} field="dice" />
        </div>
        <div className="field">
          <label htmlFor="kappa">and from Fleiss' κ (−1–1)</label>
          <input id="kappa" type="number" step="0.01" min="-1" max="1" value={form.fleissKappa} disabled={disabled} onChange={(e) => update({ fleissKappa: e.target.value })} />
          <FieldError errors={errors} field="fleissKappa" />
        </div>
        <div className="field">
          <label htmlFor="seed">Sampling seed (recorded with every draw)</label>
          <input id="seed" type="number" step="1" min="0" value={form.samplingSeed} disabled={disabled} onChange={(e) => update({ samplingSeed: e.target.value })} />
          <FieldError errors={errors} field="samplingSeed" />
        </div>
      </fieldset>
      {Object.keys(errors).length > 0 && (
        <div className="error" data-testid="form-invalid">
          Please correct the marked fields.
        </div>
      )}
      <ErrorBox error={save.error} />
      {canEdit && (
        <div>
          <button type="submit" disabled={busy} data-testid="save-config">
            Save configuration
          </button>
          <button type="button" disabled={busy} onClick={props.onReload} style={{ marginLeft: 8 }} data-testid="reload-config">
            Reload
          </button>
          {saved && (
            <span className="saved-note" data-testid="saved">
              {saved}
            </span>
          )}
        </div>
      )}
    </form>
  );
}
