import { useQuery } from '@tanstack/react-query';
import { keys } from '../../data/keys';
import { pathologyApi, type RegionAgreement } from './pathology-api';

const figure = (v: number | null, digits = 3) => (v === null ? 'not defined' : v.toFixed(digits));

/**
 * The pathology part of the agreement report (issue 17 §3): per region, detection agreement per
 * reader pair and cell class (matched within the class's radius), count agreement over fields and
 * tissue Dice at the task's magnification. Shown on the quality page of projects with regions.
 */
export function PathologyAgreement({ projectId }: { projectId: string }) {
  const report = useQuery({ queryKey: [...keys.project(projectId).agreement, 'pathology'], queryFn: () => pathologyApi.agreement(projectId) });
  const regions = report.data?.regions ?? [];
  if (regions.length === 0) return null;
  return (
    <section data-testid="pathology-agreement">
      <h3>Cells and tissue in slide regions</h3>
      {regions.map((r, i) => (
        <RegionRows key={r.regionId} region={r} index={i} />
      ))}
    </section>
  );
}

function RegionRows({ region, index }: { region: RegionAgreement; index: number }) {
  const reader = (k: number) => `reader ${k + 1}`;
  return (
    <table className="data" data-testid="pathology-region" data-region={region.regionId}>
      <caption>
        Region {index + 1}: {region.readers.length} reader{region.readers.length === 1 ? '' : 's'}
      </caption>
      <thead>
        <tr>
          <th>Class</th>
          <th>Readers</th>
          <th>Matched</th>
          <th>Precision</th>
          <th>Recall</th>
          <th>F1</th>
          <th>Count ICC over fields</th>
        </tr>
      </thead>
      <tbody>
        {region.cells.flatMap((c) =>
          c.pairs.map((p) => (
            <tr key={`${c.classKey}-${p.a}-${p.b}`} data-testid="pathology-pair" data-class={c.classKey} data-f1={p.f1 ?? ''}>
              <td>
                {c.className} (within {c.radiusUm} µm)
              </td>
              <td>
                {reader(p.a)} ({p.countA}) and {reader(p.b)} ({p.countB})
              </td>
              <td>{p.matched}</td>
              <td>{figure(p.precision)}</td>
              <td>{figure(p.recall)}</td>
              <td data-testid="pathology-f1">{figure(p.f1)}</td>
              <td>{figure(c.countIcc)}</td>
            </tr>
          )),
        )}
        {region.tissue.flatMap((t) =>
          t.pairs.map((p) => (
            <tr key={`${t.labelKey}-${p.a}-${p.b}`} data-testid="pathology-tissue" data-label={t.labelKey}>
              <td>
                {t.labelName} (Dice at {t.magnification}×)
              </td>
              <td>
                {reader(p.a)} and {reader(p.b)}
              </td>
              <td colSpan={5}>{figure(p.dice)}</td>
            </tr>
          )),
        )}
      </tbody>
    </table>
  );
}
