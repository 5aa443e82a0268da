import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { requireTestData } from '@delineate/testkit';
import { DicomDataset, encodeString, getString, readDicomFile, setString, writeDicomFile, type DicomFile } from '@delineate/formats';
import { deidentifyDicom, type DeidConfig } from './pipeline';
import { DerivedPseudonymMap } from './pseudonyms';
import { createDciodvfyValidator } from './dciodvfy';
import { reasonsOf, stewardFinding, summariseReport } from './record';
import type { DeidOption } from './options';

/**
 * Real MR files (pydicom's MR_small and an MR of the DICOMDIR test set) carrying what real MR
 * exports carry: overlay planes and curves, and source dates equal to the gate's own dummy.
 * The gate must quarantine them only for a real reason, and name the element, never the value.
 */
const secret = Buffer.from('quarantine-reasons-test-secret-01');
const validator = createDciodvfyValidator({ shells: 1 });
afterAll(() => validator.close());

function config(options: DeidOption[] = []): DeidConfig {
  return { secret, options: new Set(options), pseudonyms: new DerivedPseudonymMap(secret), validator };
}

const us = (value: number) => Uint8Array.of(value & 0xff, value >>> 8);
const ss = (value: number) => Uint8Array.of(value & 0xff, (value >>> 8) & 0xff);

/** An overlay plane as scanners write it: geometry, type, origin, bits, data, label and comment. */
function addOverlay(file: DicomFile, group: number, label: string): void {
  const ds = file.dataset;
  const rows = getNumberOf(ds, 0x00280010);
  const columns = getNumberOf(ds, 0x00280011);
  const t = (element: number) => ((group << 16) | element) >>> 0;
  ds.set({ tag: t(0x0010), vr: 'US', value: us(rows) });
  ds.set({ tag: t(0x0011), vr: 'US', value: us(columns) });
  ds.set({ tag: t(0x0022), vr: 'LO', value: encodeString(`${label} annotation`, 'LO') });
  ds.set({ tag: t(0x0040), vr: 'CS', value: encodeString('G', 'CS') });
  ds.set({ tag: t(0x0050), vr: 'SS', value: Uint8Array.from([...ss(1), ...ss(1)]) });
  ds.set({ tag: t(0x0100), vr: 'US', value: us(1) });
  ds.set({ tag: t(0x0102), vr: 'US', value: us(0) });
  ds.set({ tag: t(0x1500), vr: 'LO', value: encodeString(label, 'LO') });
  ds.set({ tag: t(0x4000), vr: 'LT', value: encodeString('Marked by Dr Featherstonehaugh', 'LT') });
  const data = new Uint8Array(Math.ceil((rows * columns) / 16) * 2);
  data.fill(0x0f, 0, 16);
  ds.set({ tag: t(0x3000), vr: 'OW', value: data });
}

function getNumberOf(ds: DicomDataset, tag: number): number {
  const value = ds.get(tag)?.value;
  if (!value || value.length < 2) throw new Error('test input lacks geometry');
  return ds.littleEndian ? value[0]! | (value[1]! << 8) : (value[0]! << 8) | value[1]!;
}

function realMr(name: string): DicomFile {
  return readDicomFile(readFileSync(requireTestData(name)));
}

const groupsOf = (file: DicomFile, high: number) => [...file.dataset.elements.keys()].filter((tag) => tag >>> 24 === high);

describe('repeating groups on real MR images', () => {
  it('removes every overlay plane whole, so the output has no new IOD error and passes', async () => {
    const file = realMr('dicom/pydicom/MR_small.dcm');
    addOverlay(file, 0x6000, 'ROI');
    addOverlay(file, 0x6002, 'ARROW');
    const result = await deidentifyDicom(writeDicomFile(file), config());
    expect(result.record.findings).toEqual([]);
    expect(result.record.status).toBe('passed');
    const output = readDicomFile(result.output ?? new Uint8Array());
    expect(groupsOf(output, 0x60)).toEqual([]);
    expect(result.record.actions.filter((a) => a.path.startsWith('6000') || a.path.startsWith('6002')).every((a) => a.action === 'X-overlay-group')).toBe(true);
  });

  it('removes overlay planes whole under clean-graphics too (overlay bitmaps cannot be cleaned here)', async () => {
    const file = realMr('dicom/pydicom/MR_small.dcm');
    addOverlay(file, 0x6000, 'ROI');
    const result = await deidentifyDicom(writeDicomFile(file), config(['clean-graphics']));
    expect(result.record.status).toBe('passed');
    expect(groupsOf(readDicomFile(result.output ?? new Uint8Array()), 0x60)).toEqual([]);
  });

  it('removes curve groups whole under clean-graphics (retired module, data cannot be cleaned)', async () => {
    const file = realMr('dicom/pydicom/MR_small.dcm');
    const ds = file.dataset;
    ds.set({ tag: 0x50000005, vr: 'US', value: us(2) });
    ds.set({ tag: 0x50000010, vr: 'US', value: us(2) });
    setString(ds, 0x50000020, 'CS', 'POLY');
    setString(ds, 0x50000022, 'LO', 'ECG trace');
    ds.set({ tag: 0x50000103, vr: 'US', value: us(0) });
    ds.set({ tag: 0x50003000, vr: 'OW', value: new Uint8Array(8) });
    const result = await deidentifyDicom(writeDicomFile(file), config(['clean-graphics']));
    expect(groupsOf(readDicomFile(result.output ?? new Uint8Array()), 0x50)).toEqual([]);
  });

  it('clears the bits of an overlay stored in the pixel data (unused high bits) with its group', async () => {
    const file = realMr('dicom/pydicom/MR_small.dcm');
    const ds = file.dataset;
    expect(getNumberOf(ds, 0x00280100)).toBe(16);
    expect(getNumberOf(ds, 0x00280101)).toBe(16);
    // Declare 12 stored bits and hide an overlay in bit 15 (the retired overlay-in-pixel-data form).
    ds.set({ tag: 0x00280101, vr: 'US', value: us(12) });
    ds.set({ tag: 0x00280102, vr: 'US', value: us(11) });
    ds.set({ tag: 0x00280103, vr: 'US', value: us(0) });
    const pixels = ds.get(0x7fe00010)!.value!;
    const words = new Uint16Array(pixels.length / 2);
    for (let i = 0; i < words.length; i += 1) words[i] = ((pixels[2 * i]! | (pixels[2 * i + 1]! << 8)) & 0x0fff) | (i % 7 === 0 ? 0x8000 : 0);
    ds.set({ tag: 0x7fe00010, vr: 'OW', value: new Uint8Array(words.buffer) });
    const t = (element: number) => (0x60000000 | element) >>> 0;
    ds.set({ tag: t(0x0010), vr: 'US', value: us(getNumberOf(ds, 0x00280010)) });
    ds.set({ tag: t(0x0011), vr: 'US', value: us(getNumberOf(ds, 0x00280011)) });
    setString(ds, t(0x0040), 'CS', 'G');
    ds.set({ tag: t(0x0050), vr: 'SS', value: Uint8Array.from([...ss(1), ...ss(1)]) });
    ds.set({ tag: t(0x0100), vr: 'US', value: us(16) });
    ds.set({ tag: t(0x0102), vr: 'US', value: us(15) });
    const result = await deidentifyDicom(writeDicomFile(file), config());
    const out = readDicomFile(result.output ?? new Uint8Array()).dataset;
    expect(groupsOf(readDicomFile(result.output ?? new Uint8Array()), 0x60)).toEqual([]);
    const outPixels = out.get(0x7fe00010)!.value!;
    let highBits = 0;
    let kept = true;
    for (let i = 0; i < outPixels.length / 2; i += 1) {
      const word = outPixels[2 * i]! | (outPixels[2 * i + 1]! << 8);
      if (word & 0xf000) highBits += 1;
      if ((word & 0x0fff) !== (words[i]! & 0x0fff)) kept = false;
    }
    expect(highBits).toBe(0);
    expect(kept).toBe(true);
    expect(result.record.actions).toContainEqual({ path: '7fe00010', action: 'C-overlay-bits' });
  });
});

describe('values the gate wrote itself', () => {
  it('do not count as residual identifiers when a source date equals the dummy date', async () => {
    for (const name of ['dicom/pydicom/MR_small.dcm', 'dicom/pydicom/dicomdirtests/98892003/MR700/4648']) {
      const file = realMr(name);
      // Real exports carry 19000101 as an unknown birth date; ContentDate and AcquisitionDate
      // (X/D, Z/D) get the dummy 19000101 from the gate.
      setString(file.dataset, 0x00100030, 'DA', '19000101');
      setString(file.dataset, 0x00080023, 'DA', '20040826');
      setString(file.dataset, 0x00080022, 'DA', '20040826');
      const result = await deidentifyDicom(writeDicomFile(file), config());
      expect(reasonsOf(result.record), name).toEqual([]);
      expect(result.record.status, name).toBe('passed');
      expect(getString(readDicomFile(result.output ?? new Uint8Array()).dataset, 0x00080023), name).toBe('19000101');
    }
  });

  it('still catch the same source value surviving in an element the gate did not write, naming that element', async () => {
    const file = realMr('dicom/pydicom/MR_small.dcm');
    setString(file.dataset, 0x00100030, 'DA', '19000101');
    setString(file.dataset, 0x00080023, 'DA', '20040826');
    // The source birth date also sits in the pixel data (as burned-in text would).
    file.dataset.get(0x7fe00010)!.value!.set(Buffer.from('19000101', 'latin1'), 1000);
    const result = await deidentifyDicom(writeDicomFile(file), config());
    expect(result.record.status).toBe('quarantined');
    const reasons = reasonsOf(result.record);
    expect(reasons).toEqual(['residual-identifier:7fe00010 PixelData']);
    for (const reason of reasons) expect(reason).not.toContain('19000101');
  });

  it('do not count when a shifted date (modified-dates) lands on another source date', async () => {
    const file = realMr('dicom/pydicom/MR_small.dcm');
    const plain = await deidentifyDicom(writeDicomFile(file), config(['modified-dates']));
    const shifted = getString(readDicomFile(plain.output ?? new Uint8Array()).dataset, 0x00080020) ?? '';
    expect(shifted).toMatch(/^\d{8}$/);
    // The source's birth date equals the study date after the shift.
    setString(file.dataset, 0x00100030, 'DA', shifted);
    const result = await deidentifyDicom(writeDicomFile(file), config(['modified-dates']));
    expect(reasonsOf(result.record)).toEqual([]);
    expect(result.record.status).toBe('passed');
  });
});

describe('every quarantine reason names the element, never its value', () => {
  it('names the element of a residual identifier', async () => {
    const file = realMr('dicom/pydicom/MR_small.dcm');
    const name = getString(file.dataset, 0x00100010) ?? '';
    expect(name.length).toBeGreaterThan(5);
    const item = new DicomDataset(true);
    // An unlisted binary value the profile keeps, holding the patient's name, inside a sequence.
    item.set({ tag: 0x00142210, vr: 'OB', value: Uint8Array.from(Buffer.from(`..${name}..`, 'latin1')) });
    file.dataset.set({ tag: 0x00142204, vr: 'SQ', items: [item] });
    const result = await deidentifyDicom(writeDicomFile(file), config(['retain-uids']));
    const reasons = reasonsOf(result.record);
    expect(reasons).toContain('residual-identifier:00142204[0].00142210 CoordinateSystemAxisValues');
    for (const reason of reasons) expect(reason.toLowerCase()).not.toContain(name.toLowerCase());
  });
});

describe('stewardFinding and the summary', () => {
  it('keep slide locations and drop anything that is not one', () => {
    expect(stewardFinding({ stage: 'slide', kind: 'residual-identifying-value', count: 1, where: 'ifd[0].ImageDescription; ifd[2] image data' }).where).toBe('ifd[0].ImageDescription; ifd[2] image data');
    expect(stewardFinding({ stage: 'slide', kind: 'residual-identifying-value', count: 1, where: 'ifd[0].ImageDescription=Jane Doe' }).where).toBe('slide');
  });

  it('tells reasons that differ only in a sequence item once, with their count', () => {
    const reason = 'new-iod-error:Error - </DirectoryRecordSequence(0004,1220)[1]/ReferencedFileID(0004,1500)> - Missing';
    const text = summariseReport({
      profile: 'dicom-ps3.15-e1-basic',
      options: [],
      counts: { passed: 0, quarantined: 1, rejected: 0 },
      files: [{ sourceSha256: 'a'.repeat(64), status: 'quarantined', reasons: [reason, reason.replace('[1]', '[2]')] }],
      records: [],
    });
    expect(text).toContain('</DirectoryRecordSequence(0004,1220)[n]/ReferencedFileID(0004,1500)> - Missing (×2)');
  });
});
