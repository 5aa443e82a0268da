import { describe, expect, it } from 'vitest';
import { contentTypeParameters, readMultipart, writeMultipart } from './multipart';

/** The bytes cut into chunks of `size` (1 puts every boundary across chunk edges). */
async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function parts(bytes: Uint8Array, boundary: string, size = 7, maxPartBytes = 1 << 20) {
  const out: Array<{ headers: Record<string, string>; body: number[] }> = [];
  for await (const p of readMultipart(chunked(bytes, size), boundary, { maxPartBytes })) out.push({ headers: { ...p.headers }, body: Array.from(p.body) });
  return out;
}

const text = (s: string) => new TextEncoder().encode(s);

describe('contentTypeParameters', () => {
  it('reads the media type and quoted or bare parameters', () => {
    expect(contentTypeParameters('Multipart/Related; type="application/dicom"; boundary=abc-123')).toEqual({ mediaType: 'multipart/related', parameters: { type: 'application/dicom', boundary: 'abc-123' } });
    expect(contentTypeParameters('application/json')).toEqual({ mediaType: 'application/json', parameters: {} });
  });
});

describe('readMultipart', () => {
  it('round-trips what writeMultipart writes, at any chunk size, bodies holding CRLF and dashes', async () => {
    const bodies = [Uint8Array.of(1, 2, 3), text('\r\n--not-the-boundary\r\n'), new Uint8Array(0), Uint8Array.from({ length: 5000 }, (_, i) => i % 251)];
    const message = writeMultipart(bodies, 'b0undary');
    for (const size of [1, 3, 64, 100_000]) {
      const read = await parts(message, 'b0undary', size);
      expect(read.map((p) => p.body)).toEqual(bodies.map((b) => Array.from(b)));
      expect(read[0]!.headers).toEqual({ 'content-type': 'application/dicom', 'content-length': '3' });
    }
  });

  it('skips a preamble and an epilogue, and allows transport padding after a boundary', async () => {
    const message = text('preamble line\r\n--xyz  \r\nContent-Type: application/dicom\r\n\r\nAB\r\n--xyz--\r\nepilogue');
    expect(await parts(message, 'xyz')).toEqual([{ headers: { 'content-type': 'application/dicom' }, body: [65, 66] }]);
  });

  it('reads a part without headers', async () => {
    expect(await parts(text('--q\r\n\r\nhi\r\n--q--'), 'q')).toEqual([{ headers: {}, body: [104, 105] }]);
  });

  it('refuses a message that is cut off, lacks its opening boundary or has text after a boundary', async () => {
    await expect(parts(text('--q\r\nContent-Type: a\r\n\r\nhalf a part'), 'q')).rejects.toMatchObject({ code: 'DLN_DICOMWEB_MULTIPART' });
    await expect(parts(text('no boundary here'), 'q')).rejects.toMatchObject({ code: 'DLN_DICOMWEB_MULTIPART' });
    await expect(parts(text('--qjunk\r\n\r\nx\r\n--q--'), 'q')).rejects.toMatchObject({ code: 'DLN_DICOMWEB_MULTIPART' });
    await expect(parts(text('--q\r\nno colon\r\n\r\nx\r\n--q--'), 'q')).rejects.toMatchObject({ code: 'DLN_DICOMWEB_MULTIPART' });
    await expect(parts(text('--q\r\n'), '')).rejects.toMatchObject({ code: 'DLN_DICOMWEB_MULTIPART' });
  });

  it('refuses a part larger than the limit while it arrives, and accepts one exactly at it', async () => {
    const message = writeMultipart([new Uint8Array(100), new Uint8Array(101)], 'z');
    await expect(parts(message, 'z', 7, 100)).rejects.toMatchObject({ code: 'DLN_DICOMWEB_OVERSIZE', details: { maxPartBytes: 100 } });
    expect((await parts(writeMultipart([new Uint8Array(100)], 'z'), 'z', 7, 100))[0]!.body).toHaveLength(100);
    // A part that never ends is refused once it passes the limit, before the rest arrives.
    let pulled = 0;
    async function* endless() {
      yield text('--z\r\n\r\n');
      for (;;) {
        pulled++;
        yield new Uint8Array(64);
      }
    }
    await expect((async () => { for await (const _ of readMultipart(endless(), 'z', { maxPartBytes: 1000 })) void _; })()).rejects.toMatchObject({ code: 'DLN_DICOMWEB_OVERSIZE' });
    expect(pulled).toBeLessThan(20);
  });
});
