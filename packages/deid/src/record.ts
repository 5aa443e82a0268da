import type { DeidOption } from './options';
import type { AttributeAction } from './engine';
import type { CompositionAttributes } from './composition';
import type { PixelFinding, PixelRegion } from './pipeline-types';
import type { VerifierFinding } from './verifier';
import { normaliseValidatorLine } from './dciodvfy';

export type DeidStatus = 'passed' | 'quarantined' | 'rejected';

export type DeidFinding =
  | ({ readonly stage: 'pixel' } & PixelFinding)
  | ({ readonly stage: 'verifier' } & VerifierFinding)
  | { readonly stage: 'input'; readonly kind: 'malformed' | 'slide-label-or-overview'; readonly code: string }
  /** An attribute decision that needs a person: `where` names the element (tag and keyword). */
  | { readonly stage: 'attributes'; readonly kind: 'overlay-in-compressed-pixel-data'; readonly where: string }
  /** A batch gave a second file with an output already written: never written over (delineate deid). */
  | { readonly stage: 'batch'; readonly kind: 'duplicate-instance' | 'sop-instance-conflict'; readonly code: string }
  | { readonly stage: 'slide'; readonly kind: string; readonly count: number; readonly where?: string };

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

/** A finding as a data steward sees it: what, and the element or pixel region concerned; never a value. */
export interface StewardFinding {
  readonly stage: string;
  readonly kind: string;
  /** Tag and keyword (with the sequence path and frame), or the part of the file; the rectangle is in `region`. */
  readonly where: string;
  readonly code?: string;
  readonly frame?: number;
  readonly region?: { readonly x: number; readonly y: number; readonly width: number; readonly height: number; readonly frame?: number };
}

const KIND = /^[a-z0-9][a-z0-9-]{0,63}$/;
const CODE = /^DLN_[A-Z0-9_]{1,60}$/;
const PIXEL_DATA = '7fe00010 PixelData';
/** "ifd[0].ImageDescription; ifd[2] image data; file structure": IFDs and tag names only. */
const SLIDE_WHERE = /^(?:ifd\[\d+\](?:\.[A-Za-z0-9]+| image data)|file structure)(?:; (?:ifd\[\d+\](?:\.[A-Za-z0-9]+| image data)|file structure))*$/;
const count = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** A region's own numbers only (a stored finding may carry more than its type says). */
function regionOf(value: unknown): StewardFinding['region'] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (!count(r.x) || !count(r.y) || !count(r.width) || !count(r.height)) return undefined;
  return { x: r.x, y: r.y, width: r.width, height: r.height, ...(count(r.frame) ? { frame: r.frame } : {}) };
}

/**
 * The one place a finding is turned into what a steward reads (the CLI report and the server's
 * quarantine list). It builds a new object from known fields, so a value that reached a stored
 * finding (an older record, a stage's free-text detail) is never passed on: `where` comes from
 * the finding's kind and numbers, or from the verifier's element path.
 */
export function stewardFinding(stored: unknown): StewardFinding {
  const f = (typeof stored === 'object' && stored !== null ? stored : {}) as Record<string, unknown>;
  const kind = typeof f.kind === 'string' && KIND.test(f.kind) ? f.kind : 'unknown';
  const stage = typeof f.stage === 'string' && KIND.test(f.stage) ? f.stage : 'pixel';
  const region = regionOf(f.region);
  const frame = count(f.frame) ? f.frame : region?.frame;
  const code = typeof f.code === 'string' && CODE.test(f.code) ? f.code : undefined;
  let where: string;
  switch (stage) {
    case 'input':
    case 'batch':
      where = 'whole file';
      break;
    case 'slide':
      where = typeof f.where === 'string' && SLIDE_WHERE.test(f.where) ? f.where : kind === 'no-image-left' ? 'slide images' : 'slide';
      break;
    case 'verifier':
    case 'attributes':
      where = typeof f.where === 'string' ? verifierWhere(f.where) : 'output';
      break;
    default:
      if (kind === 'burned-in-annotation-flag') where = '00280301 BurnedInAnnotation';
      // The rectangle itself travels in `region`; `where` stays per frame so reasons group.
      else where = frame === undefined ? PIXEL_DATA : `${PIXEL_DATA} frame ${frame}`;
  }
  return { stage, kind, where, ...(code ? { code } : {}), ...(frame !== undefined ? { frame } : {}), ...(region ? { region } : {}) };
}

/** Element paths ("0040a730[0].0040a160 TextValue") and validator messages (values removed) pass; anything else does not. */
function verifierWhere(where: string): string {
  if (/^(?:[0-9a-f]{8}(?:\[\d+\])?\.)*[0-9a-f]{8}(?: [A-Za-z0-9]+)?$/.test(where)) return where;
  if (where === 'file-name' || where === 'file structure') return where;
  if (where === 'bytes' || where === 'header') return 'output';
  // Validator messages: stripped of values again (idempotent), whatever version stored them.
  if (where.startsWith('Error - ')) return normaliseValidatorLine(where);
  return 'output';
}

function reasonOf(finding: DeidFinding): string {
  if (finding.stage === 'input') return finding.kind === 'malformed' ? `malformed:${finding.code}` : finding.kind;
  if (finding.stage === 'batch') return `${finding.kind}:${finding.code}`;
  const { kind, where } = stewardFinding(finding);
  return `${finding.stage === 'slide' ? 'slide:' : ''}${kind}:${where}`;
}

/** The reasons a steward sees for one file: each names a stage's finding and where, never a value. */
export function reasonsOf(record: DeidRecord): string[] {
  return [...new Set(record.findings.map(reasonOf))];
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
      reasons: reasonsOf(record),
    })),
    records,
  };
}

/**
 * A few lines for people: counts, then one line per file that did not pass. Reasons that differ
 * only in a sequence item index are told once with their count.
 */
export function summariseReport(report: DeidBatchReport): string {
  const lines = [
    `de-identification (${['basic profile', ...report.options].join(', ')})`,
    `passed ${report.counts.passed}, quarantined ${report.counts.quarantined}, rejected ${report.counts.rejected}`,
  ];
  for (const file of report.files) {
    if (file.status === 'passed') continue;
    const grouped = new Map<string, number>();
    for (const reason of file.reasons) {
      const key = reason.replace(/\[\d+\]/g, '[n]');
      grouped.set(key, (grouped.get(key) ?? 0) + 1);
    }
    const reasons = [...grouped].map(([reason, n]) => (n > 1 ? `${reason} (×${n})` : reason));
    lines.push(`  ${file.status} ${file.sourceSha256.slice(0, 16)}: ${reasons.join('; ')}`);
  }
  return `${lines.join('\n')}\n`;
}
