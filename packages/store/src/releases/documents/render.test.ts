import { describe, expect, it } from 'vitest';
import { pdfStrings } from '../../test/pdf-text';
import { renderHtml } from './html';
import type { DocumentLayout } from './layout';
import { renderPdf } from './pdf';
import type { QaResultsJson } from './quality';
import { renderDocument, type ReleaseDocumentJson } from './render';
import { cohenKappa, meanWithCi } from './statistics';
import { distinctNames } from './variability';

const release = {
  releaseId: '00000000-0000-4000-8000-000000000001',
  name: 'Release <b>one</b> & "two"',
  manifestHash: 'a'.repeat(64),
  frozenAt: '2026-06-30T12:00:00.000Z',
  labelSchema: { id: '00000000-0000-4000-8000-000000000002', version: 3 },
  reviewProtocol: { id: '00000000-0000-4000-8000-000000000003', version: 2 },
};
const empty = { n: 0, mean: null, sd: null, median: null, min: null, max: null };
const qa: QaResultsJson = {
  kind: 'qa_results',
  release,
  reviewSample: { releasedItems: 2, reviewedItems: 1, decisions: [{ stage: 'review', decision: 'reject', reviews: 1 }] },
  perAnnotator: [{ annotator: '<script>alert(1)</script>', reviews: 3, accepted: 2, corrected: 0, rejected: 1, errorRate: 1 / 3 }],
  perLabel: [],
  perErrorType: [{ errorType: 'wrong_side', count: 1, share: 1 }],
  corrections: { count: 0, voxelsChanged: empty, dice: empty, hd95Mm: empty },
  expertReview: { reviews: 0, accepted: 0, corrected: 0, rejected: 0 },
  preAnnotation: { used: false, models: [], correctionEffort: [] },
};

describe('release document rendering', () => {
  it('escapes every record value in the HTML and loads nothing', async () => {
    const html = new TextDecoder().decode((await renderDocument('qa_results', qa, 'html')).bytes);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Release &lt;b&gt;one&lt;/b&gt; &amp; &quot;two&quot;');
    expect(html).toContain('33.3 %');
    expect(html).toContain('Wrong side');
    expect(html).not.toContain('wrong_side');
    expect(html).toContain(`default-src 'none'`);
  });

  it('draws the same strings into the PDF, with the freeze time as its dates and an /ID from the JSON', async () => {
    const pdf = await renderDocument('qa_results', qa, 'pdf');
    const text = (await pdfStrings(pdf.bytes)).flat().join('\n');
    expect(text).toContain('<script>alert(1)</script>');
    expect(text).toContain('33.3 %');
    const raw = Buffer.from(pdf.bytes).toString('latin1');
    expect(raw).toContain('/CreationDate (D:20260630120000Z)');
    expect(raw).toContain('/ModDate (D:20260630120000Z)');
    expect(raw).toMatch(/\/ID \[ <[0-9a-f]{32}> <[0-9a-f]{32}> \]/);
    const later = await renderDocument('qa_results', { ...qa, release: { ...release, frozenAt: '2026-07-01T00:00:00.000Z' } }, 'pdf');
    expect(later.sha256).not.toBe(pdf.sha256);
  });

  it('breaks long words (hashes) so nothing runs off the page', async () => {
    const layout: DocumentLayout = { title: 'T', release, sections: [{ heading: 'H', blocks: [{ kind: 'paragraph', text: 'x'.repeat(400) }] }] };
    const strings = (await pdfStrings(await renderPdf(layout, '{}'))).flat();
    const xs = strings.filter((s) => /^x+$/.test(s));
    expect(xs.length).toBeGreaterThan(1);
    expect(xs.join('')).toBe('x'.repeat(400));
    expect(renderHtml(layout)).toContain('x'.repeat(400));
  });

  it('refuses unknown kinds and formats, and JSON of another kind, with coded errors', async () => {
    await expect(renderDocument('summary' as never, qa, 'pdf')).rejects.toMatchObject({ code: 'DLN_DOCUMENT_KIND_UNKNOWN', status: 400 });
    await expect(renderDocument('qa_results', qa, 'docx' as never)).rejects.toMatchObject({ code: 'DLN_DOCUMENT_FORMAT_UNKNOWN', status: 400 });
    await expect(renderDocument('annotation_protocol', qa, 'html')).rejects.toMatchObject({ code: 'DLN_DOCUMENT_JSON_INVALID', status: 422 });
    await expect(renderDocument('qa_results', { kind: 'qa_results' } as unknown as ReleaseDocumentJson, 'html')).rejects.toMatchObject({ code: 'DLN_DOCUMENT_JSON_INVALID' });
  });
});

describe('document statistics', () => {
  it('keeps two readers of one name apart', () => {
    expect(distinctNames(new Map([['b', 'Dr Lee'], ['a', 'Dr Lee'], ['c', 'Dr Kim']]))).toEqual(new Map([['a', 'Dr Lee'], ['b', 'Dr Lee (2)'], ['c', 'Dr Kim']]));
  });

  it("Cohen's kappa by hand: 30 voxels both, 10 one reader, 88 neither", () => {
    expect(cohenKappa({ truePositive: 30, falsePositive: 0, falseNegative: 10, trueNegative: 88 })).toBeCloseTo(5280 / 6560, 14);
    expect(cohenKappa({ truePositive: 0, falsePositive: 0, falseNegative: 0, trueNegative: 5 })).toBeNull();
  });

  it('gives a seeded bootstrap interval around the mean, none for one value', () => {
    expect(meanWithCi([0.5])).toEqual({ n: 1, mean: 0.5, ci: null });
    expect(meanWithCi([null, Number.NaN])).toEqual({ n: 0, mean: null, ci: null });
    const values = [0.6, 0.7, 0.8, 0.9, 1];
    const a = meanWithCi(values);
    expect(a.mean).toBeCloseTo(0.8, 14);
    expect(a.ci![0]).toBeGreaterThanOrEqual(0.6);
    expect(a.ci![0]).toBeLessThan(0.8);
    expect(a.ci![1]).toBeGreaterThan(0.8);
    expect(a.ci![1]).toBeLessThanOrEqual(1);
    expect(meanWithCi(values)).toEqual(a);
  });
});
