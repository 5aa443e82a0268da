import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { keys } from '../../data/keys';
import { ErrorBox } from '../../ui/ErrorBox';
import { rtApi, type LabelSchemaTemplateView } from './rt-api';
import { conceptWords, fmaWords, rtTypeWords } from './rt-words';

/**
 * Starting a project's label schema from the shipped library (issue 23): choose a template (name,
 * version and the guideline it follows), see its structures with their codes and colours, and
 * create a schema from it that records the template and version. `onCreated` gets the new schema.
 */
export function TemplatePicker({ onCreated }: { onCreated: (schema: { id: string; name: string; version: number }) => void }) {
  const client = useQueryClient();
  const templates = useQuery({ queryKey: keys.labelSchemaTemplates(), queryFn: rtApi.templates, staleTime: Infinity });
  const [chosen, setChosen] = useState('');
  const [name, setName] = useState('');
  const list = templates.data ?? [];
  const template = list.find((t) => `${t.id}:${t.version}` === chosen) ?? null;
  const create = useMutation({
    mutationFn: (t: LabelSchemaTemplateView) => rtApi.createFromTemplate(t.id, t.version, name.trim() || undefined),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.admin.documents }),
  });
  // Told once per created schema, after the mutation settled (the version list is fresh by then).
  const created = create.data;
  const told = useRef<unknown>(null);
  useEffect(() => {
    if (!created || told.current === created) return;
    told.current = created;
    onCreated(created);
  }, [created, onCreated]);
  return (
    <fieldset className="chart" data-testid="template-picker" style={{ display: 'grid', gap: 6 }}>
      <legend>Start the label schema from the library</legend>
      <ErrorBox error={templates.error} />
      <label>
        Template{' '}
        <select value={chosen} onChange={(e) => setChosen(e.target.value)} data-testid="template-choice">
          <option value="">Choose a template…</option>
          {list.map((t) => (
            <option key={`${t.id}:${t.version}`} value={`${t.id}:${t.version}`}>
              {t.name}, version {t.version}
            </option>
          ))}
        </select>
      </label>
      {template && <TemplatePreview template={template} />}
      {template && (
        <>
          <label>
            Schema name <input value={name} placeholder={template.name} onChange={(e) => setName(e.target.value)} data-testid="template-schema-name" />
          </label>
          <div>
            <button type="button" disabled={create.isPending} onClick={() => create.mutate(template)} data-testid="create-from-template">
              Create the schema from this template
            </button>
          </div>
        </>
      )}
      <ErrorBox error={create.error} />
      {create.data && (
        <span className="saved-note" role="status" data-testid="template-schema-created">
          Created “{create.data.name}” (version {create.data.version}) from the template; it is chosen below.
        </span>
      )}
    </fieldset>
  );
}

/** A template's description, guidelines and structures (colour, name, type, code) before anything is created. */
export function TemplatePreview({ template }: { template: LabelSchemaTemplateView }) {
  return (
    <div data-testid="template-preview">
      <p className="muted">{template.description}</p>
      <p>
        Follows:{' '}
        {template.guidelines.map((g, i) => (
          <span key={g} data-testid="template-guideline">
            {i > 0 ? '; ' : ''}
            {g}
          </span>
        ))}
      </p>
      <table className="tasks" aria-label="Structures of the template">
        <thead>
          <tr>
            <th>Colour</th>
            <th>Structure</th>
            <th>Kind</th>
            <th>Code</th>
          </tr>
        </thead>
        <tbody>
          {template.labels.map((l) => (
            <tr key={l.key} data-testid="template-structure">
              <td>
                <span className="swatch" style={{ background: l.colour }} title={l.colour} />
              </td>
              <td>{l.name}</td>
              <td>{l.rtRoiInterpretedType ? (rtTypeWords[l.rtRoiInterpretedType] ?? l.rtRoiInterpretedType) : '—'}</td>
              <td data-testid="template-code">
                {conceptWords(l.concept)}
                {l.fma && <div className="muted">{fmaWords(l)}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
