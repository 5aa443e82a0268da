import { useQuery } from '@tanstack/react-query';
import { octBoundaries, octBoundaryConcepts, type OctBoundary } from '@delineate/core';
import { json } from '../../api';
import { keys } from '../../data/keys';
import { boundaryShortNames } from './oct-words';

interface BoundaryAgreementView {
  boundary: OctBoundary;
  comparedAScans: number;
  meanAbsoluteErrorUm: number | null;
  meanSignedErrorUm: number | null;
  p95AbsoluteErrorUm: number | null;
  gradedByBoth: number;
  absentDisagreement: number | null;
}

interface OctItemAgreementView {
  itemId: string;
  readers: number;
  pairs: Array<{ a: { annotationId: string; version: number }; b: { annotationId: string; version: number }; boundaries: BoundaryAgreementView[] }>;
  consensusCentralSubfieldUm: number | null;
}

const um = (v: number | null) => (v === null ? 'not defined' : `${v.toFixed(2)} µm`);
const percent = (v: number | null) => (v === null ? 'not defined' : `${(v * 100).toFixed(1)} %`);

/**
 * The OCT part of the agreement report (issue 20 §6): per item and reader pair, each boundary's
 * mean absolute and signed error and its 95th percentile in µm over A-scans both readers gave a
 * value, and how often exactly one said absent. Shown on the quality page of projects with OCT items.
 */
export function OctAgreement({ projectId }: { projectId: string }) {
  const report = useQuery({ queryKey: [...keys.project(projectId).agreement, 'oct'], queryFn: () => json<{ items: OctItemAgreementView[] }>(`/api/projects/${projectId}/oct/agreement`) });
  const items = report.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <section data-testid="oct-agreement">
      <h3>Retinal layer boundaries (OCT)</h3>
      <p className="muted">Error is reader A minus reader B, in µm, over the A-scans both gave a value; the 95th percentile interpolates linearly. Boundaries neither pair compared are left out.</p>
      {items.map((item, i) => (
        <div key={item.itemId}>
          {item.pairs.map((pair, k) => (
            <table key={`${pair.a.annotationId}-${pair.b.annotationId}`} className="data" data-testid="oct-agreement-pair" data-item={item.itemId}>
              <caption>
                OCT volume {i + 1}, reader pair {k + 1} of {item.pairs.length} ({item.readers} readers)
                {item.consensusCentralSubfieldUm !== null && `; consensus central subfield ${item.consensusCentralSubfieldUm.toFixed(1)} µm`}
              </caption>
              <thead>
                <tr>
                  <th>Boundary</th>
                  <th>A-scans compared</th>
                  <th>Mean absolute error</th>
                  <th>Mean signed error</th>
                  <th>95th percentile</th>
                  <th>One reader says absent</th>
                </tr>
              </thead>
              <tbody>
                {octBoundaries
                  .map((key) => pair.boundaries.find((r) => r.boundary === key))
                  .filter((r): r is BoundaryAgreementView => r !== undefined && r.gradedByBoth > 0)
                  .map((r) => (
                    <tr key={r.boundary} data-testid="oct-agreement-boundary" data-boundary={r.boundary}>
                      <th scope="row" title={octBoundaryConcepts[r.boundary].meaning}>
                        {boundaryShortNames[r.boundary]}
                      </th>
                      <td className="num">{r.comparedAScans}</td>
                      <td className="num" data-testid="oct-mae">
                        {um(r.meanAbsoluteErrorUm)}
                      </td>
                      <td className="num">{um(r.meanSignedErrorUm)}</td>
                      <td className="num">{um(r.p95AbsoluteErrorUm)}</td>
                      <td className="num" data-testid="oct-absent-disagreement">
                        {percent(r.absentDisagreement)}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          ))}
        </div>
      ))}
    </section>
  );
}
