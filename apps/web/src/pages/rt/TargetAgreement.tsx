import { useQuery } from '@tanstack/react-query';
import { json } from '../../api';
import { useItemName } from '../../data/projects';
import { keys } from '../../data/keys';
import { ErrorBox } from '../../ui/ErrorBox';
import { agreementNumber } from './rt-words';

interface TargetAgreementRow {
  itemId: string;
  labelKey: string;
  labelName: string;
  volumesMl: number[];
  conformityCommon: number | null;
  conformityGeneralised: number | null;
  pairs: { a: number; b: number; volumeRatio: number | null; conformityIndex: number | null; addedPathLengthMm: number | null }[];
}

/**
 * Target volumes the way radiotherapy papers report agreement (issue 23), on the QA page: per
 * sampled item and target, each pair of readers' volume ratio, conformity index and added path
 * length, and the conformity over all readers. Nothing shows for projects without targets.
 */
export function TargetAgreementSection({ projectId }: { projectId: string }) {
  const targets = useQuery({
    queryKey: keys.project(projectId).targetAgreement,
    queryFn: async () => (await json<{ targets: TargetAgreementRow[] }>(`/api/projects/${projectId}/workflow/target-agreement`)).targets,
  });
  const itemName = useItemName(projectId);
  if (targets.error) return <ErrorBox error={targets.error} />;
  if (!targets.data || targets.data.length === 0) return null;
  return (
    <section data-testid="target-agreement">
      <h3>Target volumes</h3>
      <p className="muted">
        For gross tumour, clinical, internal and planning target volumes, each with the targets inside it. Volume ratio: the larger reader volume over the smaller (1 is the same
        size). Conformity index: the volume both readers drew over the volume either drew (1 is identical). Added path length: the contour one reader drew that the other would
        have to redraw, in millimetres, the mean of both directions.
      </p>
      <table className="data">
        <thead>
          <tr>
            <th>Item</th>
            <th>Target</th>
            <th>Readers</th>
            <th>Volumes</th>
            <th>Volume ratio</th>
            <th>Conformity index</th>
            <th>Added path length</th>
          </tr>
        </thead>
        <tbody>
          {targets.data.flatMap((t) => [
            ...t.pairs.map((p) => (
              <tr key={`${t.itemId}-${t.labelKey}-${p.a}-${p.b}`} data-testid="target-pair">
                <td>{itemName(t.itemId)}</td>
                <td>{t.labelName}</td>
                <td>
                  reader {p.a + 1} and reader {p.b + 1}
                </td>
                <td>
                  {agreementNumber(t.volumesMl[p.a] ?? null, 2)} ml and {agreementNumber(t.volumesMl[p.b] ?? null, 2)} ml
                </td>
                <td data-value={p.volumeRatio ?? ''}>{agreementNumber(p.volumeRatio, 2)}</td>
                <td data-value={p.conformityIndex ?? ''}>{agreementNumber(p.conformityIndex, 3)}</td>
                <td data-value={p.addedPathLengthMm ?? ''}>{p.addedPathLengthMm === null ? 'not defined' : `${agreementNumber(p.addedPathLengthMm, 1)} mm`}</td>
              </tr>
            )),
            t.pairs.length > 1 && (
              <tr key={`${t.itemId}-${t.labelKey}-all`} data-testid="target-all-readers">
                <td>{itemName(t.itemId)}</td>
                <td>{t.labelName}</td>
                <td colSpan={3}>all {t.volumesMl.length} readers</td>
                <td colSpan={2}>
                  conformity {agreementNumber(t.conformityCommon, 3)} (common), {agreementNumber(t.conformityGeneralised, 3)} (generalised)
                </td>
              </tr>
            ),
          ])}
        </tbody>
      </table>
    </section>
  );
}
