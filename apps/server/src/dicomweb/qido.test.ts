import { describe, expect, it } from 'vitest';
import { qidoRequestPath, qidoSearchSchema, readQidoMatches, searchedFields } from './qido';

const search = (input: Record<string, unknown>) => qidoSearchSchema.parse(input);
const paramsOf = (path: string) => new URLSearchParams(path.slice(path.indexOf('?') + 1));

describe('QIDO-RS query building', () => {
  it('maps each search field to its matching key, the date range to from-to and the description to contains', () => {
    const path = qidoRequestPath(search({ level: 'studies', patientId: 'P-7', accessionNumber: 'A1', modality: 'CT', studyDateFrom: '2024-01-02', studyDateTo: '2024-03-04', studyDescription: 'liver' }));
    expect(path.startsWith('/studies?')).toBe(true);
    const p = paramsOf(path);
    expect(Object.fromEntries([...p.entries()].filter(([k]) => k !== 'includefield'))).toEqual({
      PatientID: 'P-7',
      AccessionNumber: 'A1',
      ModalitiesInStudy: 'CT',
      StudyDate: '20240102-20240304',
      StudyDescription: '*liver*',
      limit: '100',
    });
    expect(p.getAll('includefield')).toContain('00081030');
  });

  it('uses Modality at series level, keeps an open date end open, keeps given wildcards, and limits', () => {
    const p = paramsOf(qidoRequestPath(search({ level: 'series', modality: 'MR', studyDateFrom: '2020-05-06', studyDescription: 'CT*HEAD', studyInstanceUid: '1.2.3', limit: 5 })));
    expect(p.get('Modality')).toBe('MR');
    expect(p.get('ModalitiesInStudy')).toBeNull();
    expect(p.get('StudyDate')).toBe('20200506-');
    expect(p.get('StudyDescription')).toBe('CT*HEAD');
    expect(p.get('StudyInstanceUID')).toBe('1.2.3');
    expect(p.get('limit')).toBe('5');
    expect(paramsOf(qidoRequestPath(search({ level: 'studies', studyDateTo: '2020-05-06' }))).get('StudyDate')).toBe('-20200506');
  });

  it('escapes values instead of letting them add parameters', () => {
    const p = paramsOf(qidoRequestPath(search({ level: 'studies', patientId: 'x&limit=9999' })));
    expect(p.get('PatientID')).toBe('x&limit=9999');
    expect(p.getAll('limit')).toEqual(['100']);
  });

  it('refuses bad input: unknown fields, reversed ranges, backslashes, bad modalities, dates and UIDs', () => {
    for (const bad of [
      { level: 'studies', patientName: 'x' },
      { level: 'studies', studyDateFrom: '2024-02-01', studyDateTo: '2024-01-01' },
      { level: 'studies', patientId: 'a\\b' },
      { level: 'studies', modality: 'ct' },
      { level: 'studies', studyDateFrom: '20240101' },
      { level: 'series', studyInstanceUid: '1.2.x' },
      { level: 'patients' },
      { level: 'studies', limit: 0 },
    ]) {
      expect(qidoSearchSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('names the fields a search used, never their values', () => {
    expect(searchedFields(search({ level: 'studies', patientId: 'SECRET', modality: 'CT' }))).toEqual(['patientId', 'modality']);
    expect(searchedFields(search({ level: 'studies' }))).toEqual([]);
  });
});

describe('reading QIDO-RS answers', () => {
  it('reads studies and series from DICOM JSON, person names as their alphabetic form', () => {
    const study = {
      '0020000D': { vr: 'UI', Value: ['1.2.3'] },
      '00100020': { vr: 'LO', Value: ['P-7'] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'DOE^JANE' }] },
      '00080020': { vr: 'DA', Value: ['20240102'] },
      '00080061': { vr: 'CS', Value: ['CT', 'SEG'] },
      '00201208': { vr: 'IS', Value: [12] },
    };
    expect(readQidoMatches([study, { '00100020': { Value: ['no study uid'] } }], 'studies')).toEqual([
      { studyInstanceUid: '1.2.3', seriesInstanceUid: null, patientId: 'P-7', patientName: 'DOE^JANE', accessionNumber: null, studyDate: '2024-01-02', studyDescription: null, seriesDescription: null, modalities: ['CT', 'SEG'], seriesNumber: null, instances: 12 },
    ]);
    const series = { '0020000D': { Value: ['1.2.3'] }, '0020000E': { Value: ['1.2.3.4'] }, '00080060': { Value: ['CT'] }, '00200011': { Value: ['2'] }, '00201209': { Value: [3] } };
    expect(readQidoMatches([series], 'series')[0]).toMatchObject({ seriesInstanceUid: '1.2.3.4', modalities: ['CT'], seriesNumber: 2, instances: 3 });
    expect(readQidoMatches({ not: 'a list' }, 'studies')).toEqual([]);
  });
});
