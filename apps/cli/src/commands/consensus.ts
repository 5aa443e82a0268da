import type { Command } from 'commander';
import { majorityVote, multiLabelStaple, staple } from '@delineate/core';
import { writeNiftiFile } from '@delineate/formats';
import { loadLabelMap, reportErrors, requireSameGrid, toJson, usage } from './metrics';
import { commandSummary } from '../catalog';

interface ConsensusFlags {
  readonly out: string;
  readonly label: string;
  readonly json?: boolean;
}

const METHODS = ['staple', 'multistaple', 'vote'] as const;
type Method = (typeof METHODS)[number];

export function register(program: Command): void {
  program
    .command('consensus')
    .description(commandSummary('consensus'))
    .argument('<method>', 'staple | multistaple | vote')
    .argument('<raters...>', 'two or more label images of the same grid (.nii or .nii.gz)')
    .requiredOption('--out <file>', 'output NIfTI (.nii or .nii.gz)')
    .option('--label <value>', 'foreground label for binary STAPLE', '1')
    .option('--json', 'print JSON')
    .action(async (methodName: string, paths: string[], flags: ConsensusFlags) => {
      const method = METHODS.find((m) => m === methodName);
      if (!method) usage('method must be staple, multistaple or vote');
      if (paths.length < 2) usage('consensus needs at least two raters');
      const label = Number(flags.label);
      if (!Number.isInteger(label)) usage('--label must be an integer');
      await reportErrors(async () => {
        const loaded = await Promise.all(paths.map((p) => loadLabelMap(p)));
        const maps = loaded.map((x) => x.map);
        requireSameGrid(maps);
        const first = loaded[0];
        if (!first) return;
        const { grid } = first.map;
        const affine = first.affine;
        const report = await run(method, maps.map((m) => m.data), label, async (data) => writeNiftiFile(flags.out, { grid, data, affine }));
        process.stdout.write(flags.json ? `${toJson(report)}\n` : formatReport(report));
      }, flags.json === true);
    });
}

async function run(
  method: Method,
  raters: Parameters<typeof staple>[0],
  label: number,
  write: (data: Float32Array | Uint8Array | Uint16Array | Uint32Array) => Promise<void>,
): Promise<Record<string, unknown>> {
  switch (method) {
    case 'staple': {
      const r = staple(raters, { foregroundValue: label });
      await write(r.probability);
      return {
        method,
        foregroundValue: label,
        output: 'probability map (float32)',
        raters: r.sensitivity.map((s, i) => ({ rater: i, sensitivity: s, specificity: r.specificity[i] })),
        iterations: r.iterations,
        converged: r.converged,
        prior: r.prior,
        fieldOfView: r.fieldOfView,
      };
    }
    case 'multistaple': {
      const r = multiLabelStaple(raters);
      await write(r.labels);
      return {
        method,
        output: 'label map',
        undecidedLabel: r.undecidedLabel,
        raters: r.confusionMatrices.map((m, i) => ({ rater: i, confusionMatrix: m })),
        priors: r.priors,
        iterations: r.iterations,
        converged: r.converged,
        fieldOfView: r.fieldOfView,
      };
    }
    case 'vote': {
      const r = majorityVote(raters);
      await write(r.labels);
      return { method, output: 'label map', undecidedLabel: r.undecidedLabel, undecidedVoxels: r.undecidedVoxels };
    }
  }
}

function formatReport(report: Record<string, unknown>): string {
  const lines = [`${String(report.method)}: wrote ${String(report.output)}`];
  for (const key of ['iterations', 'converged', 'prior', 'undecidedLabel', 'undecidedVoxels']) {
    if (key in report) lines.push(`${key}: ${String(report[key])}`);
  }
  const raters = report.raters as { rater: number; sensitivity?: number; specificity?: number; confusionMatrix?: number[][] }[] | undefined;
  for (const r of raters ?? []) {
    if (r.sensitivity !== undefined) lines.push(`rater ${r.rater}: sensitivity ${r.sensitivity.toFixed(6)}  specificity ${(r.specificity ?? NaN).toFixed(6)}`);
    else if (r.confusionMatrix) lines.push(`rater ${r.rater}: confusion matrix ${JSON.stringify(r.confusionMatrix.map((row) => row.map((v) => Number(v.toFixed(4)))))}`);
  }
  return `${lines.join('\n')}\n`;
}
