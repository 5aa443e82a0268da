import type { DeidOption } from './options';
import type { AttributeAction } from './engine';
import type { CompositionAttributes } from './composition';
import type { PixelFinding, PixelRegion } from './pipeline-types';
import type { VerifierFinding } from './verifier';

export type DeidStatus = 'passed' | 'quarantined' | 'rejected';

export type DeidFinding =
  | ({ readonly stage: 'pixel' } & PixelFinding)
  | ({ readonly stage: 'verifier' } & VerifierFinding)
  | { readonly stage: 'input'; readonly kind: 'malformed' | 'slide-label-or-overview'; readonly code: string }
  /** A batch gave a second file with an output already written: never written over (delineate deid). */
  | { readonly stage: 'batch'; readonly kind: 'duplicate-instance' | 'sop-instance-conflict'; readonly code: string }
  | { readonly stage: 'slide'; readonly kind: string; readonly count: number };

/** One file through the gate. Carries hashes, decisions and findings, never a raw identifying value. */
export interface DeidRecord {
  readonly sourceSha256: string;
  readonly outputSha256?: string;
  /** The output file name: the new SOP Instance UID + ".dcm". */
  readonly outputName?: string;
  readonly profile: 'dicom-ps3.15-e1-basic';
  readonly options: readonly DeidOption[];
  readonly subjectPseudonym?: string;
  readonly actions: readonly AttributeAction[];
  readonly pixelStage?: string;
  readonly pixelRegions: readonly PixelRegion[];
  readonly findings: readonly DeidFinding[];
  readonly status: DeidStatus;
  readonly composition?: CompositionAttributes;
  readonly kind: 'image' | 'dicomdir' | 'slide';
}

export interface DeidBatchReport {
  readonly profile: 'dicom-ps3.15-e1-basic';
  readonly options: readonly DeidOption[];
  readonly counts: Readonly<Record<DeidStatus, number>>;
  readonly files: readonly {
    readonly sourceSha256: string;
    readonly status: DeidStatus;
    readonly outputName?: string;
    readonly reasons: readonly string[];
  }[];
  readonly records: readonly DeidRecord[];
}

function reasonOf(finding: DeidFinding): string {
  if (finding.stage === 'input') return finding.kind === 'malformed' ? `malformed:${finding.code}` : finding.kind;
  if (finding.stage === 'verifier') return `${finding.kind}:${finding.where}`;
  if (finding.stage === 'slide') return `slide:${finding.kind}`;
  if (finding.stage === 'batch') return `${finding.kind}:${finding.code}`;
  return finding.kind;
}

export function batchReport(records: readonly DeidRecord[], options: readonly DeidOption[]): DeidBatchReport {
  const counts = { passed: 0, quarantined: 0, rejected: 0 };
  for (const record of records) counts[record.status] += 1;
  return {
    profile: 'dicom-ps3.15-e1-basic',
    options,
    counts,
    files: records.map((record) => ({
      sourceSha256: record.sourceSha256,
      status: record.status,
      ...(record.outputName ? { outputName: record.outputName } : {}),
      reasons: [...new Set(record.findings.map(reasonOf))],
    })),
    records,
  };
}

/** A few lines for people: counts, then one line per file that did not pass. */
export function summariseReport(report: DeidBatchReport): string {
  const lines = [
    `de-identification (${['basic profile', ...report.options].join(', ')})`,
    `passed ${report.counts.passed}, quarantined ${report.counts.quarantined}, rejected ${report.counts.rejected}`,
  ];
  for (const file of report.files) {
    if (file.status !== 'passed') lines.push(`  ${file.status} ${file.sourceSha256.slice(0, 16)}: ${file.reasons.join('; ')}`);
  }
  return `${lines.join('\n')}\n`;
}
