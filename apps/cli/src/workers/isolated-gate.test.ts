import { describe, expect, it } from 'vitest';
import { deidentifyDicom, DerivedPseudonymMap, type DeidConfig } from '@delineate/deid';
import { DicomDataset, setString, transferSyntaxes, writeDicomFile } from '@delineate/formats';
import { tinyCtPhantom } from '@delineate/testkit';
import { isolatedGate } from './isolated-gate';

const secret = new TextEncoder().encode('isolated-gate-test-secret-0001');
const config: DeidConfig = { secret, options: new Set(), pseudonyms: new DerivedPseudonymMap(secret) };

/**
 * A small file (no pixel data) of `count` empty private elements: a few bytes each on disk,
 * hundreds of bytes each once parsed into objects. It exhausts a heap, not a buffer.
 */
function manyElements(count: number): Uint8Array {
  const ds = new DicomDataset(true);
  setString(ds, 0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.88.11');
  setString(ds, 0x00080018, 'UI', '1.2.826.0.1.3680043.9.7782.1');
  const meta = new DicomDataset(true);
  meta.set({ tag: 0x00020001, vr: 'OB', value: Uint8Array.of(0, 1) });
  setString(meta, 0x00020002, 'UI', '1.2.840.10008.5.1.4.1.1.88.11');
  setString(meta, 0x00020003, 'UI', '1.2.826.0.1.3680043.9.7782.1');
  setString(meta, 0x00020010, 'UI', transferSyntaxes.explicitLittle);
  const head = writeDicomFile({ meta, dataset: ds, transferSyntaxUid: transferSyntaxes.explicitLittle, hadPreamble: true });
  const out = new Uint8Array(head.length + count * 8);
  out.set(head);
  const view = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    const at = head.length + i * 8;
    view.setUint16(at, 0x0011 + 2 * Math.floor(i / 0xe000), true);
    view.setUint16(at + 2, 0x1000 + (i % 0xe000), true);
    out[at + 4] = 0x4c; // 'L'
    out[at + 5] = 0x4f; // 'O'
  }
  return out;
}

describe('the isolated gate (untrusted files in a worker thread with memory limits)', () => {
  it('gives the record and output the gate gives in this thread', async () => {
    const bytes = tinyCtPhantom().slices[0]!.bytes;
    const here = await deidentifyDicom(bytes, config);
    const there = await isolatedGate()(bytes, config);
    expect(there.record).toEqual(here.record);
    expect(Buffer.from(there.output!)).toEqual(Buffer.from(here.output!));
  }, 60_000);

  it('refuses with DLN_DICOM_TOO_LARGE a file that exhausts the thread heap; this process carries on', async () => {
    const gate = isolatedGate({ maxHeapMb: 160 });
    const before = process.memoryUsage().heapUsed;
    const result = await gate(manyElements(3_000_000), config);
    expect(result.output).toBeUndefined();
    expect(result.record.status).toBe('rejected');
    expect(result.record.findings).toEqual([{ stage: 'input', kind: 'malformed', code: 'DLN_DICOM_TOO_LARGE' }]);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
    // The same limits pass an ordinary file: the refusal was the file's doing.
    const ordinary = await gate(tinyCtPhantom().slices[1]!.bytes, config);
    expect(ordinary.record.status).toBe('passed');
  }, 120_000);
});
