import { z } from 'zod';

const dicomDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
/** Text matched at the PACS; `*` and `?` are DICOM wildcards, `\` would split the value. */
const matchText = z.string().trim().min(1).max(64).regex(/^[^\\\r\n]*$/, 'no backslash or line break');

/** A QIDO-RS search a steward or project admin runs at the PACS (before de-identification). */
export const qidoSearchSchema = z
  .object({
    level: z.enum(['studies', 'series']),
    patientId: matchText.optional(),
    accessionNumber: matchText.optional(),
    modality: z.string().regex(/^[A-Z]{2,16}$/, 'a DICOM modality such as CT').optional(),
    studyDateFrom: dicomDate.optional(),
    studyDateTo: dicomDate.optional(),
    studyDescription: matchText.optional(),
    /** Series of one study (level series). */
    studyInstanceUid: z.string().regex(/^[0-9.]{1,64}$/, 'a DICOM UID').optional(),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .strict()
  .refine((q) => !(q.studyDateFrom && q.studyDateTo) || q.studyDateFrom <= q.studyDateTo, { message: 'studyDateFrom is after studyDateTo', path: ['studyDateFrom'] });

export type QidoSearch = z.infer<typeof qidoSearchSchema>;

/** The search fields a query used, for the audit trail: names only, never the values searched for. */
export function searchedFields(search: QidoSearch): string[] {
  const fields = ['patientId', 'accessionNumber', 'modality', 'studyDateFrom', 'studyDateTo', 'studyDescription', 'studyInstanceUid'] as const;
  return fields.filter((f) => search[f] !== undefined);
}

const compactDate = (iso: string) => iso.replaceAll('-', '');

/** Attributes asked back beyond the level's defaults, so the results table can show them. */
const includeFields = ['00081030', '0008103E', '00201208', '00201209', '00080061', '00200011', '00080060'];

/**
 * The QIDO-RS path and query string (PS3.18 §10.6) of a search: study-level matching keys by
 * keyword, a date range as `from-to` (an open end stays open), a description containing the
 * text unless it brings its own wildcards.
 */
export function qidoRequestPath(search: QidoSearch): string {
  const params = new URLSearchParams();
  if (search.patientId) params.set('PatientID', search.patientId);
  if (search.accessionNumber) params.set('AccessionNumber', search.accessionNumber);
  if (search.modality) params.set(search.level === 'studies' ? 'ModalitiesInStudy' : 'Modality', search.modality);
  if (search.studyDateFrom || search.studyDateTo) {
    params.set('StudyDate', `${search.studyDateFrom ? compactDate(search.studyDateFrom) : ''}-${search.studyDateTo ? compactDate(search.studyDateTo) : ''}`);
  }
  if (search.studyDescription) {
    const d = search.studyDescription;
    params.set('StudyDescription', /[*?]/.test(d) ? d : `*${d}*`);
  }
  if (search.level === 'series' && search.studyInstanceUid) params.set('StudyInstanceUID', search.studyInstanceUid);
  for (const field of includeFields) params.append('includefield', field);
  params.set('limit', String(search.limit));
  return `/${search.level}?${params.toString()}`;
}

/** One row of the results table, read from a DICOM JSON answer (PS3.18 Annex F). */
export interface QidoMatch {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string | null;
  readonly patientId: string | null;
  readonly patientName: string | null;
  readonly accessionNumber: string | null;
  readonly studyDate: string | null;
  readonly studyDescription: string | null;
  readonly seriesDescription: string | null;
  readonly modalities: string[];
  readonly seriesNumber: number | null;
  readonly instances: number | null;
}

type DicomJson = Record<string, { vr?: string; Value?: unknown[] } | undefined>;

function first(attrs: DicomJson, tag: string): string | null {
  const value = attrs[tag]?.Value?.[0];
  if (value === undefined || value === null) return null;
  if (typeof value === 'object' && 'Alphabetic' in value) return String((value as { Alphabetic: unknown }).Alphabetic ?? '') || null;
  return String(value);
}

function all(attrs: DicomJson, tag: string): string[] {
  return (attrs[tag]?.Value ?? []).filter((v): v is string | number => typeof v === 'string' || typeof v === 'number').map(String);
}

const isoDate = (d: string | null) => (d && /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : d);
const numberOrNull = (s: string | null) => (s === null || !Number.isFinite(Number(s)) ? null : Number(s));

/** The matches of a QIDO-RS answer; entries without a Study Instance UID are left out. */
export function readQidoMatches(answer: unknown, level: QidoSearch['level']): QidoMatch[] {
  if (!Array.isArray(answer)) return [];
  const matches: QidoMatch[] = [];
  for (const entry of answer as DicomJson[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const studyInstanceUid = first(entry, '0020000D');
    if (!studyInstanceUid) continue;
    const modality = first(entry, '00080060');
    matches.push({
      studyInstanceUid,
      seriesInstanceUid: level === 'series' ? first(entry, '0020000E') : null,
      patientId: first(entry, '00100020'),
      patientName: first(entry, '00100010'),
      accessionNumber: first(entry, '00080050'),
      studyDate: isoDate(first(entry, '00080020')),
      studyDescription: first(entry, '00081030'),
      seriesDescription: level === 'series' ? first(entry, '0008103E') : null,
      modalities: level === 'series' ? (modality ? [modality] : []) : all(entry, '00080061'),
      seriesNumber: level === 'series' ? numberOrNull(first(entry, '00200011')) : null,
      instances: numberOrNull(first(entry, level === 'series' ? '00201209' : '00201208')),
    });
  }
  return matches;
}
