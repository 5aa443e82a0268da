import { describe, expect, it } from 'vitest';
import { DicomDataset, transferSyntaxes, type DicomFile } from './dataset';
import { readDicomFile } from './read';
import { writeDicomFile, writeDicomFileChunks } from './write';
import { getString, setString } from './values';

function joined(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** A file with native pixel data large enough to be passed through, and many small elements. */
function sample(transferSyntaxUid: string, smallElements: number): DicomFile {
  const little = transferSyntaxUid !== transferSyntaxes.explicitBig;
  const meta = new DicomDataset(true);
  setString(meta, 0x00020002, 'UI', '1.2.840.10008.5.1.4.1.1.7');
  setString(meta, 0x00020003, 'UI', '1.2.3.4');
  setString(meta, 0x00020010, 'UI', transferSyntaxUid);
  const ds = new DicomDataset(little);
  setString(ds, 0x00100010, 'PN', 'DOE^JOHN^X'); // even
  setString(ds, 0x00080018, 'UI', '1.2.3.45'); // padded to even with NUL
  for (let i = 0; i < smallElements; i += 1) setString(ds, 0x00091000 + i, 'LO', `value ${i}`);
  const item = new DicomDataset(little);
  setString(item, 0x00081155, 'UI', '1.2.3.5');
  ds.set({ tag: 0x00081140, vr: 'SQ', items: [item] });
  const pixels = new Uint8Array(6000).map((_, i) => i % 251);
  ds.set({ tag: 0x7fe00010, vr: 'OW', value: pixels });
  return { meta, dataset: ds, transferSyntaxUid, hadPreamble: true };
}

describe('writeDicomFileChunks', () => {
  it.each([
    [transferSyntaxes.explicitLittle, 3],
    [transferSyntaxes.implicitLittle, 3],
    [transferSyntaxes.explicitBig, 3],
    [transferSyntaxes.deflatedExplicitLittle, 3],
    [transferSyntaxes.explicitLittle, 600], // headers overflow several scratch buffers
  ])('gives the bytes of writeDicomFile in %s (%i small elements)', (syntax, small) => {
    const file = sample(syntax, small);
    const offsetsWhole = new Map<DicomDataset, number>();
    const offsetsChunks = new Map<DicomDataset, number>();
    const whole = writeDicomFile(file, { itemOffsets: offsetsWhole });
    const bytes = joined(writeDicomFileChunks(file, { itemOffsets: offsetsChunks }));
    expect(Buffer.from(bytes).equals(Buffer.from(whole))).toBe(true);
    expect([...offsetsChunks.values()]).toEqual([...offsetsWhole.values()]);
    const again = readDicomFile(bytes);
    expect(getString(again.dataset, 0x00100010)).toBe('DOE^JOHN^X');
    expect(getString(again.dataset, 0x00091000 + small - 1)).toBe(`value ${small - 1}`);
    expect(Buffer.from(again.dataset.get(0x7fe00010)?.value ?? []).equals(Buffer.from(file.dataset.get(0x7fe00010)?.value ?? [1]))).toBe(true);
  });

  it('writes the preamble, DICM and the meta group length', () => {
    const file = sample(transferSyntaxes.explicitLittle, 1);
    const bytes = writeDicomFile(file);
    expect(bytes.subarray(0, 128).every((b) => b === 0)).toBe(true);
    expect(Buffer.from(bytes.subarray(128, 140)).toString('latin1')).toBe('DICM\u0002\u0000\u0000\u0000UL\u0004\u0000');
    const metaLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(140, true);
    // The data set starts right after the meta group: its first tag is (0008,0018).
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint16(144 + metaLength, true)).toBe(0x0008);
  });

  it('passes large values through as views of their source bytes, without copying them', () => {
    const file = sample(transferSyntaxes.explicitLittle, 3);
    const pixels = file.dataset.get(0x7fe00010)?.value;
    const chunks = writeDicomFileChunks(file);
    expect(chunks.some((chunk) => chunk === pixels)).toBe(true);
    const source = readDicomFile(writeDicomFile(file));
    const view = source.dataset.get(0x7fe00010)?.value;
    expect(writeDicomFileChunks(source).some((chunk) => chunk.buffer === view?.buffer && chunk.byteOffset === view?.byteOffset)).toBe(true);
  });

  it('pads an odd large value after its view', () => {
    const file = sample(transferSyntaxes.explicitLittle, 1);
    file.dataset.set({ tag: 0x7fe00010, vr: 'OB', value: new Uint8Array(2001).fill(7) });
    const again = readDicomFile(joined(writeDicomFileChunks(file)));
    const value = again.dataset.get(0x7fe00010)?.value ?? new Uint8Array(0);
    expect(value.length).toBe(2002);
    expect(value[2000]).toBe(7);
    expect(value[2001]).toBe(0);
  });
});
