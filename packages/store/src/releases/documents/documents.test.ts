import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { decodeString, readDicomFile, walkDatasets } from '@delineate/formats';
import { ReleaseDocument } from '@delineate/schema';
import { requireTestData } from '@delineate/testkit';
import { BlobKey } from '../../blob/key';
import { LocalBlobStore } from '../../blob/local';
import { DeidRecordRepository } from '../../repositories/deid-records';
import { ItemRepository } from '../../repositories/items';
import { describeStore } from '../../test/describe-store';
import { pdfStrings } from '../../test/pdf-text';
import { buildReleaseScenario, SOURCE_CT } from '../../test/release-scenario';
import { listAgreements } from '../../workflow/agreement';
import { qualityReport, type QualityReport } from '../../workflow/quality';
import type { DatasetCompositionJson } from './composition';
import { generateReleaseDocuments, releaseDocumentHashes, type GeneratedReleaseDocument } from './generate';
import type { AnnotationProtocolJson } from './protocol';
import type { QaResultsJson } from './quality';
import type { InterObserverVariabilityJson } from './variability';

/** Identifying values of the source CT (names, IDs, the unshifted study date), read apart from the gate. */
function identifyingValues(): string[] {
  const file = readDicomFile(readFileSync(join(requireTestData('dicom'), SOURCE_CT)));
  const values = new Set<string>();
  for (const ds of walkDatasets(file.dataset)) {
    for (const e of ds.elements.values()) {
      if (!e.value) continue;
      const text = decodeString(e.value).trim();
      if (e.vr === 'PN') for (const part of text.split(/[\^=\\]/)) if (part.trim().length >= 4) values.add(part.trim());
      if (e.tag === 0x00100020 && text.length >= 4) values.add(text);
      if (e.tag === 0x00080020 && /^\d{8}$/.test(text)) values.add(`${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`).add(text);
    }
  }
  return [...values];
}

/** The text a person reads on the HTML page, in order, without markup. */
function htmlText(html: string): string {
  const body = html.slice(html.indexOf('<body>'));
  return body
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

const fixture = fileURLToPath(new URL('./render-hashes.fixture.ts', import.meta.url));

/** Renders the documents' JSON files in a separate Node process and returns its hashes. */
async function hashesInChildProcess(files: readonly string[]): Promise<Record<string, string>> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fixture, ...files], { env: process.env, maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as Record<string, string>;
}

const squeeze = (s: string) => s.replace(/\s+/g, '');

/**
 * Whether the PDF's pages show exactly the page text, in order; a page may open by repeating
 * the header row of a table that runs over from the page before (it was shown already).
 */
function followsPage(expected: string, pages: readonly (readonly string[])[]): boolean {
  let at = 0;
  for (const page of pages) {
    const fits = (k: number) => expected.startsWith(squeeze(page.slice(k).join('')), at);
    let k = 0;
    while (k < page.length && !(fits(k) && (k === 0 || expected.lastIndexOf(squeeze(page.slice(0, k).join('')), at) >= 0))) k++;
    if (k === page.length && page.length > 0) return false;
    at += squeeze(page.slice(k).join('')).length;
  }
  return at === expected.length;
}

function doc<T>(docs: GeneratedReleaseDocument[], kind: string): { json: T; html: string; pdf: Uint8Array } {
  const d = docs.find((x) => x.kind === kind)!;
  return { json: JSON.parse(new TextDecoder().decode(d.files.json.bytes)) as T, html: new TextDecoder().decode(d.files.html.bytes), pdf: d.files.pdf.bytes };
}

describeStore('release documents', (getDb) => {
  let dir: string;
  let blobs: LocalBlobStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-docs-'));
    blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
  });
  afterEach(async () => {
    await blobs.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('generates the four documents from the records, with the numbers worked out by hand, the same in JSON, HTML and PDF', async () => {
    const s = await buildReleaseScenario(getDb(), blobs);
    const docs = await generateReleaseDocuments(getDb().db, s.input, { blobs });
    expect(docs.map((d) => d.kind)).toEqual(['annotation_protocol', 'inter_observer_variability', 'dataset_composition', 'qa_results']);

    // Dataset composition: 3 train items (2 subjects), 1 validation, 1 test.
    const composition = doc<DatasetCompositionJson>(docs, 'dataset_composition');
    expect(composition.json.splits).toEqual([
      { split: 'train', items: 3, subjects: 2 },
      { split: 'validation', items: 1, subjects: 1 },
      { split: 'test', items: 1, subjects: 1 },
    ]);
    const age = composition.json.counts.find((c) => c.dimension === 'ageBand')!;
    expect(age.rows).toEqual([
      { value: '50-59', train: 2, validation: 1, test: 0, total: 3 },
      { value: '60-69', train: 1, validation: 0, test: 0, total: 1 },
      { value: 'not recorded', train: 0, validation: 0, test: 1, total: 1 },
    ]);
    expect(composition.json.counts.find((c) => c.dimension === 'manufacturerModel')!.rows).toEqual([
      { value: 'GE LightSpeed', train: 2, validation: 1, test: 0, total: 3 },
      { value: 'Siemens Force', train: 1, validation: 0, test: 1, total: 2 },
    ]);
    expect(composition.json.inclusion).toEqual({ included: 5, excluded: 3, reasons: [{ reason: 'Motion artefact', items: 1 }, { reason: 'Unreviewed revision', items: 2 }] });
    expect(composition.json.disjointness).toEqual({ disjoint: true, subjectsInSeveralSplits: 0 });
    const sorted = [...s.shiftedDates].sort();
    expect(composition.json.collectionPeriod[0]).toEqual({ split: 'all', first: sorted[0], last: sorted[4], itemsWithDate: 5 });
    expect(composition.json.deidentification).toMatchObject({ projectProfile: 'basic', projectOptions: ['modified-dates'], records: 5, applied: [{ profile: 'basic', options: ['modified-dates'], records: 5 }] });
    expect(composition.json.gaps).toContain('Age band is not recorded for 1 item.');
    expect(composition.json.gaps).toContain('Age band "60-69" has no items in validation, test.');
    // Every count of the JSON is a row of the page (and so, by the PDF check below, of the PDF).
    for (const table of composition.json.counts)
      for (const r of table.rows) expect(composition.html).toContain(`<tr>${[r.value, r.train, r.validation, r.test, r.total].map((c) => `<td>${c}</td>`).join('')}</tr>`);

    // Inter-observer variability: on every sampled item reader tech1 drew 40 voxels, tech2 the first 30 of them.
    const variability = doc<InterObserverVariabilityJson>(docs, 'inter_observer_variability');
    const liver = variability.json.labels.find((l) => l.labelKey === 'liver')!;
    expect(variability.json.sampling.multiplyReadItems).toBe(s.sampled.length);
    expect(liver.dice.n).toBe(s.sampled.length);
    expect(liver.dice.mean).toBeCloseTo(60 / 70, 12); // 2·30 / (40 + 30)
    expect(liver.cohenKappa.mean).toBeCloseTo(5280 / 6560, 12); // po 118/128, pe 9824/16384
    expect(liver.fleissKappa.mean).toBeCloseTo(20920 / 26040, 12); // two raters: Scott's pi
    expect(liver.dice.ci).toEqual([liver.dice.mean, liver.dice.mean]);
    expect(liver.category).toBe('high'); // 0.857 ≥ 0.85 and 0.803 ≥ 0.6
    expect(variability.json.pairs).toMatchObject([{ labelKey: 'liver', readers: ['Dr tech1', 'Dr tech2'], n: s.sampled.length }]);
    expect(liver.hd95Mm.mean).toBeGreaterThan(0);
    // STAPLE from the workflow's agreement results on the same reader revisions: tech1's 40 voxels hold all of tech2's 30.
    const staple = variability.json.resolution.staple;
    expect(staple.map((r) => [r.reader, r.items])).toEqual([['Dr tech1', s.sampled.length], ['Dr tech2', s.sampled.length]]);
    expect(staple[0]!.sensitivity!).toBeGreaterThan(staple[1]!.sensitivity!);
    expect(staple[1]!.specificity).toBeCloseTo(1, 6);
    const stored = await listAgreements(getDb().db, { itemId: s.sampled[0]! });
    expect(stored[0]!.pairs[0]!.dice).toBeCloseTo(liver.dice.mean!, 12); // the workflow's own agreement engine agrees
    expect(variability.html).toContain('0.857 (0.857–0.857)');
    expect(variability.html).toMatch(/<svg [^>]*role="img"/);

    // QA: one correction (tech2's 30 voxels grown to 36) among all reviews; one expert review accepted.
    const qa = doc<QaResultsJson>(docs, 'qa_results');
    expect(qa.json.perAnnotator).toEqual(
      expect.arrayContaining([
        { annotator: 'Dr tech1', reviews: s.reviewsOf.tech1, accepted: s.reviewsOf.tech1, corrected: 0, rejected: 0, errorRate: 0 },
        { annotator: 'Dr tech2', reviews: s.reviewsOf.tech2, accepted: s.reviewsOf.tech2 - 1, corrected: 1, rejected: 0, errorRate: 1 / s.reviewsOf.tech2 },
      ]),
    );
    expect(qa.json.perErrorType).toEqual([{ errorType: 'under_segmentation', count: 1, share: 1 }]);
    // Six liver checklist items per review, five lesion items on the one item with a lesion.
    expect(qa.json.perLabel).toEqual([
      { label: 'Liver', answered: 6 * s.reviewCount, failed: 1, errorRate: 1 / (6 * s.reviewCount) },
      { label: expect.any(String), answered: 5, failed: 0, errorRate: 0 },
    ]);
    expect(qa.json.corrections.count).toBe(1);
    expect(qa.json.corrections.voxelsChanged.mean).toBe(6);
    expect(qa.json.corrections.dice.mean).toBeCloseTo(60 / 66, 12);
    expect(qa.json.expertReview).toEqual({ reviews: 1, accepted: 1, corrected: 0, rejected: 0 });
    expect(qa.json.preAnnotation.models).toEqual([{ name: 'liver-seg', version: '1.2.0', annotations: 1, voxelsAdded: 0, voxelsRemoved: 4, changedShare: expect.objectContaining({ mean: 4 / 44 }) }]);
    expect(qa.json.reviewSample).toMatchObject({ releasedItems: 5, reviewedItems: 5 });

    // Annotation protocol: two technologist annotators, one clinician reviewer, one CT radiologist expert.
    const protocol = doc<AnnotationProtocolJson>(docs, 'annotation_protocol');
    expect(protocol.json.people).toEqual({
      annotators: 2,
      reviewers: 1,
      expertReviewers: 1,
      roles: [{ role: 'annotator', people: 2 }, { role: 'expert_reviewer', people: 1 }, { role: 'reviewer', people: 1 }],
      qualifications: [{ kind: 'clinician', modality: null, people: 1, verified: 0 }, { kind: 'radiologist', modality: 'CT', people: 1, verified: 0 }, { kind: 'technologist', modality: null, people: 2, verified: 0 }],
    });
    expect(protocol.json.oversightModel).toBe('supervised_technologist');
    expect(protocol.json.tool).toEqual({ name: 'Delineate', version: '0.1.0' }); // packages/store/package.json
    expect(protocol.json.labelSchema.labels.map((l) => l.concept.value)).toEqual(['10200004', '300331000']);
    expect(protocol.json.preAnnotation).toEqual({ used: true, models: [{ name: 'liver-seg', version: '1.2.0', runtime: 'onnx', revisions: 1 }] });
    expect(protocol.json.adjudication.consensusMethods).toEqual([{ method: 'staple', items: s.sampled.length }]);
    expect(protocol.html).toContain('Supervised technologist annotation');
    expect(protocol.html).not.toContain('supervised_technologist');

    // Every format carries the same text: the PDF shows, in order, what the HTML page shows.
    const identifying = identifyingValues();
    expect(identifying.length).toBeGreaterThan(0);
    for (const d of docs) {
      const { html, pdf } = doc(docs, d.kind);
      const pages = await pdfStrings(pdf);
      const shown = pages.map((page) => page.filter((line) => !/ · page \d+ of \d+$/.test(line)));
      expect(followsPage(squeeze(htmlText(html)), shown), `${d.kind}: the PDF shows what the HTML shows`).toBe(true);
      expect(html).not.toMatch(/<script|src=|href=/i);
      const everything = [new TextDecoder().decode(d.files.json.bytes), html, shown.flat().join('\n'), Buffer.from(pdf).toString('latin1')].join('\n').toLowerCase();
      for (const value of identifying) expect(everything, `${d.kind} shows an identifying value`).not.toContain(value.toLowerCase());
    }

    // Regenerating from the same input gives the same bytes, in every format.
    const again = await generateReleaseDocuments(getDb().db, s.input, { blobs });
    expect(releaseDocumentHashes(again)).toEqual(releaseDocumentHashes(docs));
    expect(releaseDocumentHashes(docs)).toHaveLength(12);
    for (const row of releaseDocumentHashes(docs)) expect(ReleaseDocument.parse(row)).toEqual(row); // what ReleaseRepository.addDocument takes

    // ... and so does rendering the JSON again in two separate processes (fonts, /ID and dates pinned).
    const files: string[] = [];
    for (const d of docs) {
      const path = join(dir, `${d.kind}.json`);
      await writeFile(path, d.files.json.bytes);
      files.push(path);
    }
    const expected = Object.fromEntries(releaseDocumentHashes(docs).map((h) => [h.kind, h.hash]));
    const [first, second] = await Promise.all([hashesInChildProcess(files), hashesInChildProcess(files)]);
    expect(first).toEqual(expected);
    expect(second).toEqual(expected);
  }, 240_000);

  it('refuses input that is not a release of the records, and scopes QA statistics to the release', async () => {
    const s = await buildReleaseScenario(getDb(), blobs);
    const db = getDb().db;
    await expect(generateReleaseDocuments(db, { ...s.input, manifestHash: 'abc' }, { blobs })).rejects.toMatchObject({ code: 'DLN_DOCUMENT_INPUT_INVALID' });
    await expect(generateReleaseDocuments(db, { ...s.input, items: [s.input.items[0]!, s.input.items[0]!] }, { blobs })).rejects.toMatchObject({ code: 'DLN_DOCUMENT_INPUT_INVALID' });
    await expect(generateReleaseDocuments(db, { ...s.input, labelSchema: { ...s.input.labelSchema, version: 9 } }, { blobs })).rejects.toMatchObject({ code: 'DLN_DOCUMENT_RECORD_MISSING' });
    const strayDeid = { ...s.input.items[0]!, deidRecordIds: [crypto.randomUUID()] };
    await expect(generateReleaseDocuments(db, { ...s.input, items: [strayDeid] }, { blobs })).rejects.toMatchObject({ code: 'DLN_DOCUMENT_RECORD_MISSING' });
    const strayItem = { ...s.input.items[0]!, itemId: crypto.randomUUID() };
    await expect(generateReleaseDocuments(db, { ...s.input, items: [strayItem] }, { blobs })).rejects.toMatchObject({ code: 'DLN_DOCUMENT_RECORD_MISSING' });

    // A slide region: its device is the scanner; no study date and no de-identification record are gaps.
    const subject = await db.selectFrom('subjects').select('id').where('pseudonym', '=', s.input.items[0]!.subjectPseudonym).executeTakeFirstOrThrow();
    // The database takes a slide only when its pyramid has passed the gate (migration 0760); the item below names no record.
    await new DeidRecordRepository(db).record({ projectId: s.input.projectId, sourceHash: 'd'.repeat(64), outputHash: 'c'.repeat(64), profile: 'basic', options: [], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
    const slide = await db.insertInto('slides').values({ subject_id: subject.id, stain: 'H&E', scanner: 'Aperio GT 450', width: 4096, height: 4096, mpp: 0.25, pyramid_hash: 'c'.repeat(64) }).returning('id').executeTakeFirstOrThrow();
    const region = await new ItemRepository(db).createItem({ projectId: s.input.projectId, subjectId: subject.id, target: { kind: 'slide_region', slideId: slide.id, region: { x: 0, y: 0, width: 64, height: 64 } } });
    const slideOnly = await generateReleaseDocuments(db, { ...s.input, items: [{ itemId: region.id, subjectPseudonym: s.input.items[0]!.subjectPseudonym, split: 'test', modality: 'SM', deidRecordIds: [], revisions: [], consensus: null }] }, { blobs });
    const slideComposition = doc<DatasetCompositionJson>(slideOnly, 'dataset_composition').json;
    expect(slideComposition.counts.find((c) => c.dimension === 'manufacturerModel')!.rows).toEqual([{ value: 'Aperio GT 450', train: 0, validation: 0, test: 1, total: 1 }]);
    expect(slideComposition.gaps).toEqual(expect.arrayContaining(['The train split holds no items.', 'No study date could be read for 1 item.', '1 item names no de-identification record.']));

    // The QA statistics of a release count its own items' reviews only.
    const reviews = (r: QualityReport) => r.perAnnotator.reduce((n, a) => n + a.reviews, 0);
    const single = s.input.items.find((i) => i.consensus === null)!;
    expect(reviews(await qualityReport(db, s.input.projectId))).toBe(s.reviewCount);
    expect(reviews(await qualityReport(db, s.input.projectId, { itemIds: [single.itemId] }))).toBe(1);
    expect(await qualityReport(db, s.input.projectId, { itemIds: [] })).toMatchObject({ perAnnotator: [], perLabel: [], rework: { total: 0, distribution: [] } });
  }, 240_000);
});
