import { useQuery } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { keys } from '../../data/keys';
import { QueryError } from '../../ui/ErrorBox';
import { rtApi } from './rt-api';
import { codingSchemeWords, conceptWords, fmaWords, rtTypeWords } from './rt-words';
import '../../ui/project-styles.css';

const route = getRouteApi('/projects/$projectId/label-schema');

/**
 * The project's pinned label schema (issue 23): every structure with its colour, kind, codes,
 * definition and rules, and where it came from: the library template and version the schema was
 * created from, and the guideline the structure follows.
 */
export function LabelSchemaPage() {
  const { projectId } = route.useParams();
  const schema = useQuery({ queryKey: keys.project(projectId).labelSchema, queryFn: () => rtApi.pinnedSchema(projectId) });
  const s = schema.data;
  return (
    <div className="page" data-testid="label-schema-page">
      <h2>Label schema{s ? `: ${s.name}, version ${s.version}` : ''}</h2>
      <p className="muted">
        <Link to="/projects/$projectId/settings" params={{ projectId }}>
          Project configuration
        </Link>
      </p>
      <QueryError queries={[schema]} />
      {schema.isPending && <p>Loading…</p>}
      {s && (
        <>
          <p data-testid="schema-origin">
            {s.template
              ? `Created from the library template “${s.template.name ?? s.template.id}”, version ${s.template.version}.`
              : 'Written for this project (not from the schema library).'}
          </p>
          <table className="tasks" aria-label="Structures">
            <thead>
              <tr>
                <th>Colour</th>
                <th>Structure</th>
                <th>Kind</th>
                <th>Code</th>
                <th>Came from</th>
              </tr>
            </thead>
            <tbody>
              {s.labels.map((l) => (
                <tr key={l.key} data-testid="schema-structure">
                  <td>
                    <span className="swatch" style={{ background: l.colour }} title={l.colour} />
                  </td>
                  <td>
                    <details>
                      <summary>{l.name}</summary>
                      <p>{l.definition}</p>
                      {l.inclusion.length > 0 && <p>Include: {l.inclusion.join('; ')}</p>}
                      {l.exclusion.length > 0 && <p>Exclude: {l.exclusion.join('; ')}</p>}
                      {l.requiresExpertReview && <p>Needs expert review.</p>}
                    </details>
                  </td>
                  <td>{l.rtRoiInterpretedType ? (rtTypeWords[l.rtRoiInterpretedType] ?? l.rtRoiInterpretedType) : '—'}</td>
                  <td>
                    {conceptWords(l.concept)}
                    {l.fma && <div data-testid="structure-fma">{fmaWords(l)}</div>}
                    <div className="muted">
                      category: {codingSchemeWords[l.category.scheme] ?? l.category.scheme} {l.category.meaning}
                    </div>
                  </td>
                  <td data-testid="structure-origin">
                    {s.template ? `${s.template.name ?? s.template.id}, version ${s.template.version}` : 'this project'}
                    <div className="muted" title={l.referenceStandard.citation}>
                      following {l.referenceStandard.title}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
