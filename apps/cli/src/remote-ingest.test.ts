import { describe, expect, it } from 'vitest';
import { generateCtPhantom } from '@delineate/formats';
import type { IngestReport } from '@delineate/worker';
import { mergeIngestReports, planRemoteBatches } from './remote-ingest';

describe('remote ingest batches', () => {
  const a = generateCtPhantom({ slices: 3, rows: 16, columns: 16, seed: 1 }).slices.map((s) => s.bytes);
  const b = generateCtPhantom({ slices: 2, rows: 16, columns: 16, seed: 2 }).slices.map((s) => s.bytes);
  const junk = new TextEncoder().encode('not dicom');

  it('never splits a series, packs whole series up to the limit, and sends unreadable files along', () => {
    const files = [a[0]!, b[0]!, a[1]!, junk, b[1]!, a[2]!];
    expect(planRemoteBatches(files)).toEqual([[0, 2, 5, 1, 4, 3]]);
    // A limit below one series: each series alone (the unreadable file joins the last room).
    const oneSeries = 3 * (a[0]!.length + 4);
    expect(planRemoteBatches(files, oneSeries)).toEqual([[0, 2, 5], [1, 4, 3]]);
    expect(planRemoteBatches(files, 10)).toEqual([[0, 2, 5], [1, 4], [3]]);
  });

  it('merges the reports of several requests into one, by input position', () => {
    const part = (statuses: Array<'passed' | 'rejected'>, itemId: string): IngestReport => ({
      passed: statuses.filter((s) => s === 'passed').length,
      quarantined: 0,
      rejected: statuses.filter((s) => s === 'rejected').length,
      duplicates: 0,
      files: statuses.map((status, index) => ({ index, sourceSha256: `${itemId}${index}`, status, ...(status === 'passed' ? { recordId: `${itemId}-r${index}`, itemId } : { code: 'DLN_DICOM_INVALID' }) })),
      records: [],
      items: [{ itemId, seriesId: `s-${itemId}`, subjectPseudonym: 'P-1', slices: 2 }],
    });
    const merged = mergeIngestReports([
      { indices: [0, 2], report: part(['passed', 'passed'], 'x') },
      { indices: [1, 3], report: part(['passed', 'rejected'], 'y') },
    ]);
    expect(merged.files.map((f) => [f.index, f.sourceSha256])).toEqual([[0, 'x0'], [1, 'y0'], [2, 'x1'], [3, 'y1']]);
    expect([merged.passed, merged.rejected, merged.items.length]).toEqual([3, 1, 2]);
    expect(merged.records.map((r) => r.recordId)).toEqual(['x-r0', 'y-r0', 'x-r1']);
  });
});
