import { getRouteApi, Link } from '@tanstack/react-router';
import { TargetAgreementSection } from './rt/TargetAgreement';
import { useAgreementReport, useDocumentChoices, useProjectSummary, useQualityReport } from '../data/projects';
import { BarChart, BoxPlot, fmt, Histogram } from '../ui/charts';
import { QueryError } from '../ui/ErrorBox';
import { CorrectionEffortTable } from './CorrectionEffortTable';
import '../ui/project-styles.css';
import { PathologyAgreement } from './pathology/PathologyAgreement';
import { OctAgreement } from '../viewers/oct/OctAgreement';

const route = getRouteApi('/projects/$projectId/quality');

const errorTypeNames: Record<string, string> = {
  over_segmentation: 'over-segmentation',
  under_segmentation: 'under-segmentation',
  missed_finding: 'missed finding',
  false_finding: 'false finding',
  wrong_label: 'wrong label',
  wrong_side: 'wrong side',
  other: 'other',
};

const stageNames: Record<string, string> = { annotate: 'annotation', review: 'review', expert_review: 'expert review' };

/**
 * The QA dashboard (issue 7 §6): error rates per annotator, label and error type; correction
 * sizes; rework; time per task per stage; agreement per label with the high/low category report.
 * All figures come from GET …/workflow/quality and …/workflow/agreement as the server computed them.
 */
export function QualityPage() {
  const { projectId } = route.useParams();
  const queries = [useQualityReport(projectId), useAgreementReport(projectId), useProjectSummary(projectId)] as const;
  const [{ data: quality }, { data: agreement }, { data: summary }] = queries;
  // Label names from the project's label schemas; the page still shows (by key) if they cannot be read.
  const documents = useDocumentChoices(projectId);
  const names = new Map((documents.data?.labelSchemas ?? []).flatMap((s) => s.labels.map((l) => [l.key, l.name] as const)));
  const labelName = (key: string) => names.get(key) ?? key;

  if (queries.some((q) => q.error)) {
    return (
      <div className="page" data-testid="quality-dashboard">
        <h2>Quality</h2>
        <QueryError queries={queries} />
      </div>
    );
  }
  if (!quality || !agreement || !summary) return <div className="page" data-testid="quality-dashboard">Loading…</div>;

  // The report names each annotator; an account without a name shows a short id.
  const nameOf = (userId: string) => quality.perAnnotator.find((a) => a.annotatorId === userId)?.annotatorName ?? `annotator ${userId.slice(0, 8)}`;
  const reviews = quality.perAnnotator.reduce((s, a) => s + a.reviews, 0);
  const sizes = quality.corrections.sizes;
  // Minutes, or seconds while every task took under two minutes.
  const longest = Math.max(0, ...quality.timePerTask.flatMap((t) => t.seconds));
  const timeUnit = longest >= 120 ? { name: 'minutes', short: ' min', per: 60 } : { name: 'seconds', short: ' s', per: 1 };
  const timeGroups = quality.timePerTask.map((t) => ({ key: t.stage, label: stageNames[t.stage] ?? t.stage, values: t.seconds.map((s) => s / timeUnit.per) }));

  return (
    <div className="page" data-testid="quality-dashboard">
      <h2>
        Quality: <span data-testid="project-name">{summary.name}</span>
      </h2>
      <p className="muted">
        <Link to="/projects">All projects</Link> ·{' '}
        <Link to="/projects/$projectId/settings" params={{ projectId }}>
          Configuration
        </Link>
      </p>
      <div className="stat-row">
        <div className="stat" data-testid="stat-reviews" data-value={reviews}>
          <strong>{reviews}</strong>standard reviews
        </div>
        <div className="stat" data-testid="stat-expert-reviews" data-value={quality.expertReviews.reviews}>
          <strong>{quality.expertReviews.reviews}</strong>expert reviews ({quality.expertReviews.accepted} accepted, {quality.expertReviews.corrected} corrected)
        </div>
        <div className="stat" data-testid="stat-corrections" data-value={sizes.length}>
          <strong>{sizes.length}</strong>corrected labels
        </div>
        <div className="stat" data-testid="stat-rework" data-value={quality.rework.total}>
          <strong>{quality.rework.total}</strong>returns for rework
        </div>
      </div>

      <h3>Error rates</h3>
      <p className="muted">Error rate of an annotator: standard reviews that corrected or rejected the work, over all their reviews. Of a label: failed checklist answers over all answers.</p>
      <div className="dashboard">
        <BarChart
          testId="chart-error-annotator"
          title="Error rate per annotator"
          valueName="error rate"
          max={1}
          bars={quality.perAnnotator.map((a) => ({
            key: a.annotatorId,
            label: nameOf(a.annotatorId),
            value: a.errorRate,
            extra: { reviews: a.reviews, accepted: a.accepted, corrected: a.corrected, rejected: a.rejected },
          }))}
          extraColumns={['reviews', 'accepted', 'corrected', 'rejected']}
        />
        <BarChart
          testId="chart-error-label"
          title="Error rate per label"
          valueName="error rate"
          max={1}
          bars={quality.perLabel.map((l) => ({ key: l.labelKey, label: labelName(l.labelKey), value: l.errorRate, extra: { answered: l.answered, failed: l.failed } }))}
          extraColumns={['answered', 'failed']}
        />
        <BarChart
          testId="chart-error-type"
          title="Failed checklist items per error type"
          valueName="count"
          bars={quality.perErrorType.map((e) => ({ key: e.errorType, label: errorTypeNames[e.errorType] ?? e.errorType, value: e.count, extra: { share: e.share } }))}
          extraColumns={['share']}
        />
      </div>

      <h3>Corrections</h3>
      <p className="muted">
        Size of each corrected label between the reviewed and the corrected revision. Voxels changed: n {quality.corrections.voxelsChanged.n}, mean {fmt(quality.corrections.voxelsChanged.mean, 1)},
        median {fmt(quality.corrections.voxelsChanged.median, 1)}; Dice median {fmt(quality.corrections.dice.median)}; HD95 median {fmt(quality.corrections.hd95Mm.median, 2)} mm.
      </p>
      <div className="dashboard">
        <Histogram testId="chart-voxels-added" title="Voxels added by corrections" values={sizes.map((s) => s.voxelsAdded)} digits={0} />
        <Histogram testId="chart-voxels-removed" title="Voxels removed by corrections" values={sizes.map((s) => s.voxelsRemoved)} digits={0} />
        <Histogram testId="chart-correction-dice" title="Dice between original and corrected" values={sizes.flatMap((s) => (s.dice === null ? [] : [s.dice]))} domain={[0, 1]} bins={10} digits={3} />
        {sizes.some((s) => s.hd95Computing) && (
          <p className="muted" data-testid="correction-hd95-computing">
            HD95 of {sizes.filter((s) => s.hd95Computing).length} corrected label(s) is still being computed; this page updates when it is ready.
          </p>
        )}
        <Histogram testId="chart-correction-hd95" title="HD95 between original and corrected (mm)" values={sizes.flatMap((s) => (s.hd95Mm === null ? [] : [s.hd95Mm]))} digits={2} unit=" mm" />
      </div>

      <h3>Rework and time</h3>
      <div className="dashboard">
        <BarChart
          testId="chart-rework"
          title="Annotation tasks by number of returns for rework"
          valueName="tasks"
          bars={quality.rework.distribution.map((d) => ({ key: String(d.reworks), label: `${d.reworks} return${d.reworks === 1 ? '' : 's'}`, value: d.tasks }))}
        />
        <div data-testid="time-unit" data-value={timeUnit.per}>
          <BoxPlot testId="chart-time" title={`Time per task by stage (${timeUnit.name}, assignment to submission)`} groups={timeGroups} digits={2} unit={timeUnit.short} />
        </div>
      </div>

      <h3>Agreement</h3>
      <p className="muted">
        Pairwise Dice and HD95 between the readers of sampled items, per label. A label has high agreement when its mean Dice is at least{' '}
        <span data-testid="threshold-dice">{agreement.thresholds.dice}</span> and its mean Fleiss' κ at least <span data-testid="threshold-kappa">{agreement.thresholds.fleissKappa}</span>.
      </p>
      {agreement.labels.length === 0 ? (
        <p className="empty" data-testid="agreement-categories" data-empty="true">
          no data yet
        </p>
      ) : (
        <table className="data" data-testid="agreement-categories">
          <thead>
            <tr>
              <th>Label</th>
              <th>Items</th>
              <th>Mean Dice</th>
              <th>Mean Fleiss' κ</th>
              <th>Agreement</th>
            </tr>
          </thead>
          <tbody>
            {agreement.labels.map((l) => (
              <tr key={l.labelKey} data-key={l.labelKey}>
                <th scope="row">{labelName(l.labelKey)}</th>
                <td className="num" data-value={l.items}>
                  {l.items}
                </td>
                <td className="num" data-value={l.meanDice ?? ''}>
                  {fmt(l.meanDice)}
                </td>
                <td className="num" data-value={l.meanFleissKappa ?? ''}>
                  {fmt(l.meanFleissKappa)}
                </td>
                <td className={`category-${l.category}`} data-testid="category" data-value={l.category}>
                  {l.category}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="dashboard" style={{ marginTop: 12 }}>
        <BoxPlot
          testId="chart-agreement-dice"
          title="Pairwise Dice per label"
          groups={quality.agreementPerLabel.map((l) => ({ key: l.labelKey, label: labelName(l.labelKey), values: l.dice }))}
          domain={[0, 1]}
        />
        <BoxPlot
          testId="chart-agreement-hd95"
          title="Pairwise HD95 per label (mm)"
          groups={quality.agreementPerLabel.map((l) => ({ key: l.labelKey, label: labelName(l.labelKey), values: l.hd95Mm }))}
          digits={2}
          unit=" mm"
        />
      </div>
      <CorrectionEffortTable projectId={projectId} labelName={labelName} />
      <TargetAgreementSection projectId={projectId} />
      <PathologyAgreement projectId={projectId} />
      <OctAgreement projectId={projectId} />
    </div>
  );
}
