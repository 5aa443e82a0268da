import { blandAltman, cdrConventions, cdrConventionWords, octBoundaryConcepts, type BlandAltman, type BoundaryAgreement, type CdrConvention } from '@delineate/core';
import { DelineateError, FUNDUS_CUP_LABEL, FUNDUS_DISC_LABEL } from '@delineate/schema';
import { fundusAgreement, type FundusAgreementReport, type FundusReaderPair } from '../../fundus/agreement';
import { octAgreementOfProject, type OctItemAgreement } from '../../oct/agreement';
import { AnnotationRepository } from '../../repositories/annotations';
import { num, percent, type Block } from './layout';
import { userNames, type ReleaseRecords } from './records';

/** One OCT reader pair on one released item, per boundary in µm, readers by name. */
export interface OctPairAgreement {
  readonly itemId: string;
  readonly readers: readonly [string, string];
  readonly boundaries: readonly BoundaryAgreement[];
}

/** One fundus reader pair on one released photograph, readers by name. */
export type FundusPairAgreementRow = Omit<FundusReaderPair, 'a' | 'b'> & { readonly readers: readonly [string, string] };

export interface OphthalmicAgreement {
  readonly oct?: { readonly conventions: OctItemAgreement['conventions']; readonly pairs: readonly OctPairAgreement[] };
  readonly fundus?: {
    readonly conventions: FundusAgreementReport['conventions'];
    readonly pairs: readonly FundusPairAgreementRow[];
    /** Per convention, Bland–Altman of the released pairs' vCDR difference (reader A − reader B). */
    readonly blandAltman: ReadonlyArray<{ readonly convention: CdrConvention; readonly description: string } & BlandAltman>;
  };
}

const cdrNames: Readonly<Record<CdrConvention, string>> = { refuge: 'REFUGE', extent: 'Extent ratio', ellipse_fit: 'Ellipse fit' };
const finite = (v: number) => (Number.isFinite(v) ? v : null);

/**
 * OCT boundary and fundus disc/cup agreement of the released items, from the store's own
 * agreement computations (`octAgreementOfProject`, `fundusAgreement`) so the document and the
 * QA dashboard give the same figures. Fundus pairs count only when both readers' compared
 * revisions are the ones the manifest pins; OCT boundaries are not pinned by the manifest (they
 * are their own revisions beside the mask), so the pairs of the manifest's reader annotations
 * are compared at their boundary heads. Undefined when the release holds neither kind.
 */
export async function ophthalmicAgreementOf(records: ReleaseRecords): Promise<OphthalmicAgreement | undefined> {
  const { db, blobs, input, labelSchema } = records;
  const pinned = new Set(input.items.flatMap((i) => (i.consensus?.readers ?? []).map((r) => `${r.annotationId}/${r.version}`)));
  const readerAnnotations = new Set(input.items.flatMap((i) => (i.consensus?.readers ?? []).map((r) => r.annotationId)));
  const released = new Set(input.items.map((i) => i.itemId));
  // Documents only read: a store that would write is a mistake worth failing on.
  const readOnly = { get: (hash: string) => blobs.get(hash), put: () => Promise.reject(new DelineateError('DLN_INTERNAL', 'Release documents do not write blobs')) };

  const octItems = (await octAgreementOfProject(db, readOnly, input.projectId)).filter((i) => released.has(i.itemId));
  const octPairs = octItems.flatMap((item) => item.pairs.filter((p) => readerAnnotations.has(p.a.annotationId) && readerAnnotations.has(p.b.annotationId)).map((p) => ({ item, pair: p })));
  const hasDiscCup = [FUNDUS_DISC_LABEL, FUNDUS_CUP_LABEL].every((key) => labelSchema.labels.some((l) => l.key === key));
  const fundus = hasDiscCup ? await fundusAgreement(db, new AnnotationRepository(db, { blobs: readOnly }), input.projectId, labelSchema.labels) : undefined;
  const fundusPairs = (fundus?.pairs ?? []).filter((p) => released.has(p.itemId) && pinned.has(`${p.a.annotationId}/${p.a.version}`) && pinned.has(`${p.b.annotationId}/${p.b.version}`));
  if (octPairs.length === 0 && fundusPairs.length === 0) return undefined;

  const annotationIds = [...new Set([...octPairs.flatMap(({ pair }) => [pair.a.annotationId, pair.b.annotationId]), ...fundusPairs.flatMap((p) => [p.a.annotationId, p.b.annotationId])])];
  const authors = await db.selectFrom('annotations').select(['id', 'created_by']).where('id', 'in', annotationIds).execute();
  const names = await userNames(db, authors.flatMap((a) => (a.created_by ? [a.created_by] : [])));
  const readerOf = new Map(authors.map((a) => [a.id, (a.created_by && names.get(a.created_by)) || 'Unknown reader']));
  const readers = (a: string, b: string) => [readerOf.get(a) ?? 'Unknown reader', readerOf.get(b) ?? 'Unknown reader'] as const;

  return {
    ...(octPairs.length > 0
      ? { oct: { conventions: octItems[0]!.conventions, pairs: octPairs.map(({ item, pair }) => ({ itemId: item.itemId, readers: readers(pair.a.annotationId, pair.b.annotationId), boundaries: pair.boundaries })) } }
      : {}),
    ...(fundus && fundusPairs.length > 0
      ? {
          fundus: {
            conventions: fundus.conventions,
            pairs: fundusPairs.map(({ a, b, ...rest }) => ({ ...rest, readers: readers(a.annotationId, b.annotationId) })),
            blandAltman: cdrConventions.map((convention) => {
              const values = fundusPairs.map((p) => p.vcdr.find((v) => v.convention === convention)!).map((v) => [v.a ?? NaN, v.b ?? NaN] as [number, number]);
              const ba = blandAltman(values);
              return { convention, description: cdrConventionWords[convention], n: ba.n, bias: finite(ba.bias) as number, sd: finite(ba.sd) as number, lowerLimit: finite(ba.lowerLimit) as number, upperLimit: finite(ba.upperLimit) as number };
            }),
          },
        }
      : {}),
  };
}

/** The ophthalmology section of the variability document: boundary error per pair, disc and cup per pair, Bland–Altman. */
export function ophthalmicSection(doc: OphthalmicAgreement): { heading: string; blocks: Block[] } {
  const blocks: Block[] = [];
  if (doc.oct) {
    blocks.push({ kind: 'paragraph', text: `OCT layer boundaries: error is ${doc.oct.conventions.error}; the 95th percentile of the absolute error uses ${doc.oct.conventions.percentile}; “one reader absent” is the fraction of A-scans graded by both where exactly one reader marked the boundary absent.` });
    blocks.push({
      kind: 'table',
      caption: 'Boundary agreement per reader pair (µm)',
      columns: ['Item', 'Readers', 'Boundary', 'A-scans compared', 'Mean absolute error', 'Mean signed error', 'P95 absolute error', 'One reader absent'],
      rows: doc.oct.pairs.flatMap((p) =>
        p.boundaries
          .filter((b) => b.gradedByBoth > 0)
          .map((b) => [p.itemId.slice(0, 8), p.readers.join(' / '), octBoundaryConcepts[b.boundary].meaning, String(b.comparedAScans), num(b.meanAbsoluteErrorUm, 2), num(b.meanSignedErrorUm, 2), num(b.p95AbsoluteErrorUm, 2), percent(b.absentDisagreement)]),
      ),
    });
  }
  if (doc.fundus) {
    blocks.push({ kind: 'paragraph', text: `Optic disc and cup: ${doc.fundus.conventions.dice}. ${doc.fundus.conventions.hd95}.` });
    blocks.push({
      kind: 'table',
      caption: 'Disc and cup agreement per reader pair',
      columns: ['Item', 'Readers', 'Disc Dice', 'Disc HD95 (px)', 'Cup Dice', 'Cup HD95 (px)', ...cdrConventions.map((c) => `|ΔvCDR| ${cdrNames[c]}`)],
      rows: doc.fundus.pairs.map((p) => [
        p.itemId.slice(0, 8),
        p.readers.join(' / '),
        num(p.disc.dice),
        num(p.disc.hd95Px, 2),
        num(p.cup.dice),
        num(p.cup.hd95Px, 2),
        ...cdrConventions.map((c) => num(p.vcdr.find((v) => v.convention === c)?.absoluteDifference, 3)),
      ]),
    });
    blocks.push({
      kind: 'table',
      caption: 'Vertical cup-to-disc ratio: Bland–Altman of reader A − reader B',
      columns: ['Convention', 'Pairs', 'Bias', 'SD', 'Lower limit', 'Upper limit'],
      rows: doc.fundus.blandAltman.map((b) => [cdrNames[b.convention], String(b.n), num(b.bias), num(b.sd), num(b.lowerLimit), num(b.upperLimit)]),
    });
  }
  return { heading: 'Ophthalmology: boundaries, disc and cup', blocks };
}
