import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DicomDataset, getString, setString } from '@delineate/formats';
import { deidentifyDataset, dummyValue, scrubText, type AttributeAction, type EngineContext } from './engine';
import { UidMapper } from './uids';
import { DerivedPseudonymMap, FilePseudonymMap } from './pseudonyms';
import { ageBand, extractComposition } from './composition';
import { collectIdentifyingValues } from './identifying';
import type { DeidOption } from './options';

const secret = Buffer.from('engine-test-secret-0123456789');

function context(options: DeidOption[], identifying: string[] = []): EngineContext {
  return { options: new Set(options), uids: new UidMapper(secret), dateOffsetDays: -10, pseudonym: 'P-TEST', safePrivate: [], identifying };
}

function sample(): DicomDataset {
  const ds = new DicomDataset(true);
  setString(ds, 0x00100010, 'PN', 'Gruber^Hans');
  setString(ds, 0x00081030, 'LO', 'CT head for Gruber trauma');
  setString(ds, 0x00080080, 'LO', 'Nakatomi Plaza Hospital');
  setString(ds, 0x00081090, 'LO', 'Scanmaster');
  setString(ds, 0x00180015, 'CS', 'HEAD');
  setString(ds, 0x00181030, 'LO', 'Head routine'); // ProtocolName
  setString(ds, 0x00080032, 'TM', '101500');
  setString(ds, 0x00080022, 'DA', '20200310');
  const content = new DicomDataset(true);
  setString(content, 0x0040a160, 'UT', 'Findings for Gruber: no bleed');
  ds.set({ tag: 0x0040a730, vr: 'SQ', items: [content] });
  return ds;
}

describe('the attribute engine', () => {
  it('applies the basic profile: remove, empty, dummy, keep', () => {
    const ds = sample();
    const actions: AttributeAction[] = [];
    deidentifyDataset(ds, context([]), actions);
    expect(ds.has(0x00081030)).toBe(false); // StudyDescription X
    expect(getString(ds, 0x00080080)).toBe('ANONYMIZED'); // InstitutionName X/Z/D → D
    expect(getString(ds, 0x00081090)).toBe('Scanmaster'); // not listed, device vocabulary
    expect(getString(ds, 0x00180015)).toBe('HEAD');
    expect(getString(ds, 0x00100010)).toBe('P-TEST');
    expect(getString(ds, 0x00080022)).toBe(''); // AcquisitionDate X/Z → Z
    expect(getString(ds.get(0x0040a730)?.items?.[0] ?? new DicomDataset(), 0x0040a160)).toBe('ANONYMIZED');
    expect(actions).toContainEqual({ path: '00081030', action: 'X' });
    expect(actions).toContainEqual({ path: '0040a730[0].0040a160', action: 'D-unlisted' });
  });

  it('cleans descriptors and structured content by removing identifying values, keeping the rest', () => {
    const ds = sample();
    const identifying = collectIdentifyingValues(ds, new Set(['clean-descriptors', 'clean-structured-content']));
    expect(identifying).toContain('gruber');
    deidentifyDataset(ds, context(['clean-descriptors', 'clean-structured-content'], identifying), []);
    expect(getString(ds, 0x00081030)).toBe('CT head for ****** trauma');
    expect(getString(ds, 0x00181030)).toBe('Head routine');
    expect(getString(ds.get(0x0040a730)?.items?.[0] ?? new DicomDataset(), 0x0040a160)).toBe('Findings for ******: no bleed');
  });

  it('keeps institution and full dates only under their options', () => {
    const ds = sample();
    deidentifyDataset(ds, context(['retain-institution-identity', 'retain-longitudinal-full-dates']), []);
    expect(getString(ds, 0x00080080)).toBe('Nakatomi Plaza Hospital');
    expect(getString(ds, 0x00080022)).toBe('20200310');
    const shifted = sample();
    deidentifyDataset(shifted, context(['modified-dates']), []);
    expect(getString(shifted, 0x00080022)).toBe('20200229');
    expect(getString(shifted, 0x00080032)).toBe('101500');
  });

  it('writes dummies valid for their VR', () => {
    expect(Buffer.from(dummyValue('DA')).toString()).toMatch(/^\d{8}$/);
    expect(dummyValue('US')).toHaveLength(2);
    expect(dummyValue('FD')).toHaveLength(8);
    expect(dummyValue('SH').length % 2).toBe(0);
    expect(scrubText('Dr Who saw WHO', ['who'])).toBe('Dr *** saw ***');
  });
});

describe('pseudonym maps', () => {
  it('derive stable pseudonyms from the secret', async () => {
    const map = new DerivedPseudonymMap(secret);
    const a = await map.pseudonymFor({ patientId: '123456' });
    expect(await new DerivedPseudonymMap(secret).pseudonymFor({ patientId: '123456' })).toBe(a);
    expect(await map.pseudonymFor({ patientId: '123457' })).not.toBe(a);
    expect(await map.pseudonymFor({ patientId: '', patientName: 'Doe^Jane' })).toBe(await map.pseudonymFor({ patientId: '', patientName: 'DOE^JANE' }));
  });

  it('persist sequential pseudonyms across batches without storing identifiers', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dln-pseudo-')), 'map.json');
    const first = new FilePseudonymMap(path, secret);
    const [a, b] = await Promise.all([first.pseudonymFor({ patientId: 'MRN-1' }), first.pseudonymFor({ patientId: 'MRN-2' })]);
    expect(new Set([a, b])).toEqual(new Set(['SUBJ-000001', 'SUBJ-000002']));
    const second = new FilePseudonymMap(path, secret);
    expect(await second.pseudonymFor({ patientId: 'MRN-2' })).toBe(b);
    expect(await second.pseudonymFor({ patientId: 'MRN-3' })).toBe('SUBJ-000003');
    expect(readFileSync(path, 'utf8')).not.toContain('MRN');
  });
});

describe('composition attributes', () => {
  it('extracts coarse values from the input', () => {
    const ds = new DicomDataset(true);
    setString(ds, 0x00100030, 'DA', '19500615');
    setString(ds, 0x00080020, 'DA', '20200614');
    setString(ds, 0x00100040, 'CS', 'M');
    setString(ds, 0x00180087, 'DS', '3');
    setString(ds, 0x00180015, 'CS', 'brain');
    expect(extractComposition(ds)).toEqual({ ageBand: '60-69', sex: 'M', fieldStrengthT: 3, bodyPart: 'BRAIN' });
    expect([ageBand(5), ageBand(18), ageBand(29), ageBand(89), ageBand(95)]).toEqual(['0-17', '18-29', '18-29', '80-89', '90+']);
  });
});
