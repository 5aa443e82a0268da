import { describe, expect, it } from 'vitest';
import { profileRowFor, profileRows, resolveAction } from './table';
import type { DeidOption } from './options';

const none = new Set<DeidOption>();
const row = (tag: number) => {
  const found = profileRowFor(tag);
  if (!found) throw new Error(`no row for ${tag.toString(16)}`);
  return found;
};

describe('Table E.1-1 module', () => {
  it('holds every row of the standard, pattern rows included', () => {
    expect(profileRows).toHaveLength(621);
    expect(profileRows.filter((r) => r.pattern).map((r) => r.pattern).sort()).toEqual(['curve', 'overlay-comments', 'overlay-data', 'private']);
    expect(new Set(profileRows.map((r) => r.tag ?? r.pattern)).size).toBe(621);
  });

  it('matches the standard on spot checks', () => {
    expect(row(0x00100010).basic).toBe('Z'); // PatientName
    expect(row(0x00100020).basic).toBe('Z/D'); // PatientID (this edition)
    expect(row(0x0020000d).basic).toBe('U'); // StudyInstanceUID
    expect(row(0x0020000d).options['retain-uids']).toBe('K');
    expect(row(0x00080050).basic).toBe('Z'); // AccessionNumber
    expect(row(0x00080080).basic).toBe('X/Z/D'); // InstitutionName
    expect(row(0x00080080).options['retain-institution-identity']).toBe('K');
    expect(row(0x00101010).options['retain-patient-characteristics']).toBe('K'); // PatientAge
    expect(row(0x0008002a).options['modified-dates']).toBe('C'); // AcquisitionDateTime
    expect(row(0x00081155).basic).toBe('U'); // ReferencedSOPInstanceUID
    expect(row(0x00081140).basic).toBe('X/Z/U*'); // ReferencedImageSequence
    expect(row(0x0040a730).options['clean-structured-content']).toBe('C'); // ContentSequence
    expect(row(0x00080080).vr).toBe('LO');
  });

  it('maps repeating and private groups to their pattern rows', () => {
    expect(profileRowFor(0x60023000)?.pattern).toBe('overlay-data');
    expect(profileRowFor(0x601e4000)?.pattern).toBe('overlay-comments');
    expect(profileRowFor(0x50100000 | 0x3000)?.pattern).toBe('curve');
    expect(profileRowFor(0x00291010)?.pattern).toBe('private');
    expect(profileRowFor(0x60000010)).toBeUndefined();
  });

  it('resolves compound actions and options', () => {
    expect(resolveAction(row(0x00080080), none)).toBe('D');
    expect(resolveAction(row(0x00080080), new Set(['retain-institution-identity']))).toBe('K');
    expect(resolveAction(row(0x00081140), none, true)).toBe('U');
    expect(resolveAction(row(0x00080022), none)).toBe('Z'); // X/Z AcquisitionDate
    expect(resolveAction(row(0x00080022), new Set(['modified-dates']))).toBe('C');
    expect(resolveAction(row(0x00081110), none, true)).toBe('X'); // X/Z sequence
    expect(resolveAction(row(0x00400555), none, true)).toBe('Z'); // Type 2 sequence stays, empty
    expect(resolveAction(row(0x0020000d), new Set(['retain-uids']))).toBe('K');
  });
});
