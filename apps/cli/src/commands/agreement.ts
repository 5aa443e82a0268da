import type { Command } from 'commander';
import { type AgreementRegion, type Summary, type TargetAgreement, labelAgreement, selectLabel, summarize, targetAgreement } from '@delineate/core';
import { createSurfaceRunner, defaultThreads } from '../workers/surface-pool';
import {
  type LabelPairMetrics,
  type SurfaceOptions,
  labelsOf,
  loadLabelMap,
  pairMetrics,
  parseConvention,
  parseNumberList,
  parsePercentile,
  reportErrors,
  requireSameGrid,
  threadsOf,
  toJson,
  usage,
} from './metrics';
import { commandSummary } from '../catalog';

interface AgreementFlags {
  readonly labels?: string;
  readonly convention: string;
  readonly percentile: string;
  readonly toleranceMm: string;
  readonly region: string;
  readonly margin: string;
  readonly threads?: string;
  readonly targets?: string;
  readonly json?: boolean;
}

export interface PairEntry extends LabelPairMetrics {
  /** Indices of the raters in the argument list; `reference` is the lower one. */
  readonly reference: number;
  readonly test: number;
}

export interface LabelAgreementReport {
  readonly label: number;
  readonly pairs: readonly PairEntry[];
  /** Per metric over all pairs, with the NaN/Infinity policy of docs/metrics.md. */
  readonly summary: Readonly<Record<string, Summary>>;
  readonly fleissKappa: number;
  readonly krippendorffAlpha: number;
  readonly region: ReturnType<typeof labelAgreement>['region'];
  /** For labels named by --targets: the measures RT papers report (volume ratio, conformity, added path length). */
  readonly target?: TargetAgreement;
}

const SUMMARISED = ['dice', 'jaccard', 'volumeSimilarity', 'hausdorff', 'assd', 'masd'] as const;

function parseRegion(kind: string, margin: string): AgreementRegion {
  if (kind === 'image') return { kind: 'image' };
  if (kind !== 'union-bbox') usage('--region must be image or union-bbox');
  const m = Number(margin);
  if (!Number.isInteger(m) || m < 0) usage('--margin must be a non-negative integer');
  return { kind: 'union-bbox', marginVoxels: m };
}

export function register(program: Command): void {
  program
    .command('agreement')
    .description(commandSummary('agreement'))
    .argument('<raters...>', 'two or more label images of the same grid (.nii or .nii.gz)')
    .option('--labels <list>', 'labels to compare (default: all present)')
    .option('--convention <name>', 'surface convention: surfel or voxel', 'surfel')
    .option('--percentile <p>', 'percentile Hausdorff distance', '95')
    .option('--tolerance-mm <list>', 'surface Dice tolerances in mm', '1')
    .option('--region <kind>', 'voxels for kappa/alpha: image or union-bbox', 'image')
    .option('--margin <voxels>', 'margin around the union bounding box (with --region union-bbox)', '0')
    .option('--threads <n>', 'worker threads for surface distances')
    .option('--targets <list>', 'labels that are radiotherapy targets: also volume ratio, conformity indices and added path length')
    .option('--json', 'print JSON')
    .action(async (paths: string[], flags: AgreementFlags) => {
      if (paths.length < 2) usage('agreement needs at least two raters');
      const options: SurfaceOptions = {
        convention: parseConvention(flags.convention),
        percentile: parsePercentile(flags.percentile),
        tolerancesMm: parseNumberList(flags.toleranceMm, '--tolerance-mm'),
      };
      const region = parseRegion(flags.region, flags.margin);
      const requested = flags.labels ? parseNumberList(flags.labels, '--labels') : undefined;
      const targets = flags.targets ? parseNumberList(flags.targets, '--targets') : [];
      const threads = threadsOf(flags.threads);
      await reportErrors(async () => {
        const maps = (await Promise.all(paths.map((p) => loadLabelMap(p)))).map((x) => x.map);
        requireSameGrid(maps);
        const labels = labelsOf(maps, requested);
        const jobs = labels.length * ((maps.length * (maps.length - 1)) / 2);
        const runner = createSurfaceRunner({ threads: threads ?? (jobs > 1 ? defaultThreads() : 1) });
        const byLabel = new Map<number, PairEntry[]>(labels.map((l) => [l, []]));
        try {
          const pending: Promise<void>[] = [];
          for (let i = 0; i < maps.length; i++)
            for (let j = i + 1; j < maps.length; j++) {
              const a = maps[i], b = maps[j];
              if (!a || !b) continue;
              pending.push(
                pairMetrics(a, b, labels, options, runner).then((rows) => {
                  for (const r of rows) byLabel.get(r.label)?.push({ ...r, reference: i, test: j });
                }),
              );
            }
          await Promise.all(pending);
        } finally {
          await runner.close();
        }
        const hdKey: `hd${number}` = `hd${options.percentile}`;
        const report: LabelAgreementReport[] = labels.map((label) => {
          const pairs = (byLabel.get(label) ?? []).sort((x, y) => x.reference - y.reference || x.test - y.test);
          const summary: Record<string, Summary> = {};
          for (const key of [...SUMMARISED, hdKey]) summary[key] = summarize(pairs.map((p) => p[key as keyof PairEntry] as number));
          for (const t of options.tolerancesMm) summary[`surfaceDice@${t}`] = summarize(pairs.map((p) => p.surfaceDice[String(t)] ?? NaN));
          const k = labelAgreement(maps, label, region);
          const target = targets.includes(label) ? { target: targetAgreement(maps.map((m) => selectLabel(m, label))) } : {};
          return { label, pairs, summary, fleissKappa: k.fleissKappa, krippendorffAlpha: k.krippendorffAlpha, region: k.region, ...target };
        });
        const out = { convention: options.convention, raters: maps.length, labels: report };
        process.stdout.write(flags.json ? `${toJson(out)}\n` : formatReport(report, hdKey));
      }, flags.json === true);
    });
}

function formatReport(report: readonly LabelAgreementReport[], hdKey: string): string {
  const f = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : String(v));
  const lines: string[] = [];
  for (const r of report) {
    lines.push(`label ${r.label}: Fleiss kappa ${f(r.fleissKappa)}  Krippendorff alpha ${f(r.krippendorffAlpha)}  (${r.region.kind}, ${r.region.voxels} voxels)`);
    for (const key of ['dice', hdKey, 'assd']) {
      const s = r.summary[key];
      if (s) lines.push(`  ${key}: mean ${f(s.mean)}  sd ${f(s.sd)}  median ${f(s.median)}  min ${f(s.min)}  max ${f(s.max)}  (n ${s.n}, undefined ${s.undefinedCount})`);
    }
    const t = r.target;
    if (t) {
      lines.push(`  target: volume ratio ${f(t.volumeRatio)}  conformity index ${f(t.conformityCommon)} (common: |∩|/|∪| of all raters)  ${f(t.conformityGeneralised)} (generalised)  added path length ${f(t.addedPathLengthMm)} mm`);
    }
  }
  return `${lines.join('\n')}\n`;
}
