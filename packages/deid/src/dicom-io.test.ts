import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requireTestData } from '@delineate/testkit';
import { isDelineateError } from '@delineate/schema';
import { DicomDataset, dictionaryVr, getNumber, getString, readDicomFile, setString, tag, tagForKeyword, walkDatasets, writeDicomFile } from '@delineate/formats';

const read = (path: string) => readDicomFile(readFileSync(requireTestData(`dicom/${path}`)));

function elementCount(ds: DicomDataset): number {
  let count = 0;
  for (const d of walkDatasets(ds)) count += [...d.elements.keys()].filter((t) => (t & 0xffff) !== 0).length;
  return count;
}

/** The formats package cannot see the shared data (layers): its reader/writer is exercised on real files here. */
describe('DICOM Part 10 read/write on the shared files', () => {
  it.each([
    'pydicom/CT_small.dcm',
    'pydicom/MR_small_implicit.dcm',
    'pydicom/MR_small_bigendian.dcm',
    'pydicom/MR_small_RLE.dcm',
    'pydicom/JPEG2000.dcm',
    'pydicom/test-SR.dcm',
    'pydicom/dicomdirtests/DICOMDIR',
    'pydicom-data/emri_small.dcm',
  ])('round-trips %s element for element', (path) => {
    const first = read(path);
    const second = readDicomFile(writeDicomFile(first));
    expect(second.transferSyntaxUid).toBe(first.transferSyntaxUid);
    expect(elementCount(second.dataset)).toBe(elementCount(first.dataset));
    expect(getString(second.dataset, 0x00080018)).toBe(getString(first.dataset, 0x00080018));
    const a = first.dataset.get(0x7fe00010);
    const b = second.dataset.get(0x7fe00010);
    expect(b?.value?.length ?? b?.fragments?.length).toBe(a?.value?.length ?? a?.fragments?.length);
  });

  it('reads numbers in either byte order', () => {
    expect(getNumber(read('pydicom/MR_small_bigendian.dcm').dataset, 0x00280010)).toBe(64);
    expect(getNumber(read('pydicom/MR_small.dcm').dataset, 0x00280010)).toBe(64);
  });

  it('parses a UN-encoded sequence as implicit VR little endian items', () => {
    const file = read('pydicom/UN_sequence.dcm');
    const sequences = [...file.dataset.elements.values()].filter((e) => e.items);
    expect(sequences.length).toBeGreaterThan(0);
    expect(sequences.every((e) => e.vr === 'SQ')).toBe(true);
  });

  it('rejects truncated input with DLN_DICOM_INVALID', () => {
    try {
      read('pydicom/MR_truncated.dcm');
      expect.unreachable();
    } catch (error) {
      expect(isDelineateError(error) && error.code).toBe('DLN_DICOM_INVALID');
    }
    expect(() => readDicomFile(new Uint8Array(4))).toThrow();
  });

  it('writes edited values padded to even length and reports item offsets', () => {
    const file = read('pydicom/CT_small.dcm');
    setString(file.dataset, 0x00100010, 'PN', 'ABC');
    file.dataset.set({ tag: tag(0x0008, 0x1140), vr: 'SQ', items: [new DicomDataset(true)] });
    const offsets = new Map<DicomDataset, number>();
    const bytes = writeDicomFile(file, { itemOffsets: offsets });
    const again = readDicomFile(bytes);
    expect(again.dataset.get(0x00100010)?.value?.length).toBe(4);
    const item = again.dataset.get(0x00081140)?.items?.[0];
    expect(item?.sourceOffset).toBe([...offsets.values()][0]);
  });

  it('knows dictionary VRs, including repeating groups and private creators', () => {
    expect(dictionaryVr(0x00100010)).toBe('PN');
    expect(dictionaryVr(0x60023000)).toBe('OB');
    expect(dictionaryVr(0x00290010)).toBe('LO');
    expect(tagForKeyword('PatientID')).toBe(0x00100020);
  });
});
