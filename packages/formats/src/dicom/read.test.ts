import { describe, expect, it } from 'vitest';
import { isDelineateError } from '@delineate/schema';
import { DicomDataset, transferSyntaxes, type DicomFile } from './dataset';
import { readDicomFile } from './read';
import { writeDicomFile } from './write';
import { getNumber, getString, setString } from './values';

function sample(transferSyntaxUid: string): DicomFile {
  const meta = new DicomDataset(true);
  setString(meta, 0x00020002, 'UI', '1.2.840.10008.5.1.4.1.1.7');
  setString(meta, 0x00020003, 'UI', '1.2.3.4');
  setString(meta, 0x00020010, 'UI', transferSyntaxUid);
  const little = transferSyntaxUid !== transferSyntaxes.explicitBig;
  const ds = new DicomDataset(little);
  setString(ds, 0x00080018, 'UI', '1.2.3.4');
  setString(ds, 0x00100010, 'PN', 'DOE^J');
  const rows = new Uint8Array(2);
  new DataView(rows.buffer).setUint16(0, 300, little);
  ds.set({ tag: 0x00280010, vr: 'US', value: rows });
  const inner = new DicomDataset(little);
  setString(inner, 0x00081155, 'UI', '1.2.3.5');
  ds.set({ tag: 0x00081140, vr: 'SQ', items: [inner, new DicomDataset(little)] });
  ds.set({ tag: 0x7fe00010, vr: 'OB', fragments: [new Uint8Array(0), Uint8Array.of(1, 2, 3)] });
  return { meta, dataset: ds, transferSyntaxUid, hadPreamble: true };
}

describe('DICOM Part 10 reader and writer', () => {
  it.each(Object.values(transferSyntaxes))('round-trips %s', (syntax) => {
    const file = sample(syntax);
    if (syntax === transferSyntaxes.implicitLittle || syntax === transferSyntaxes.explicitBig || syntax === transferSyntaxes.deflatedExplicitLittle) {
      file.dataset.delete(0x7fe00010); // encapsulation only exists in the encapsulated syntaxes
    }
    const again = readDicomFile(writeDicomFile(file));
    expect(again.transferSyntaxUid).toBe(syntax);
    expect(getString(again.dataset, 0x00100010)).toBe('DOE^J');
    expect(getNumber(again.dataset, 0x00280010)).toBe(300);
    const items = again.dataset.get(0x00081140)?.items ?? [];
    expect(items).toHaveLength(2);
    expect(getString(items[0] ?? new DicomDataset(), 0x00081155)).toBe('1.2.3.5');
    expect(getString(again.meta, 0x00020003)).toBe('1.2.3.4');
  });

  it('keeps encapsulated fragments and pads odd values', () => {
    const again = readDicomFile(writeDicomFile(sample(transferSyntaxes.explicitLittle)));
    expect(again.dataset.get(0x7fe00010)?.fragments?.map((f) => f.length)).toEqual([0, 4]);
    expect(again.dataset.get(0x00100010)?.value?.length).toBe(6);
  });

  it('parses an explicit UN element holding implicit VR items as a sequence', () => {
    const file = sample(transferSyntaxes.explicitLittle);
    const body = Uint8Array.of(0x10, 0x00, 0x10, 0x00, 4, 0, 0, 0, 0x41, 0x42, 0x43, 0x20);
    const un = new Uint8Array(8 + body.length);
    un.set([0xfe, 0xff, 0x00, 0xe0, body.length, 0, 0, 0]);
    un.set(body, 8);
    file.dataset.set({ tag: 0x00091001, vr: 'UN', value: un });
    const again = readDicomFile(writeDicomFile(file));
    const element = again.dataset.get(0x00091001);
    expect(element?.vr).toBe('SQ');
    expect(getString(element?.items?.[0] ?? new DicomDataset(), 0x00100010)).toBe('ABC');
  });

  it('rejects truncated and non-DICOM input with DLN_DICOM_INVALID', () => {
    const bytes = writeDicomFile(sample(transferSyntaxes.explicitLittle));
    for (const broken of [bytes.subarray(0, bytes.length - 3), new Uint8Array(4), new Uint8Array(200)]) {
      try {
        readDicomFile(broken);
        expect.unreachable();
      } catch (error) {
        expect(isDelineateError(error) && error.code).toBe('DLN_DICOM_INVALID');
      }
    }
  });
});
