import { fstatSync, readSync } from 'node:fs';
import type { ByteSource } from './tiff';

/** Ranged reads of an open file for the TIFF reader: a slide or pyramid may be larger than memory. */
export function fileByteSource(fd: number): ByteSource {
  const length = fstatSync(fd).size;
  return {
    length,
    read(offset, size) {
      const out = Buffer.allocUnsafe(Math.max(0, Math.min(size, length - offset)));
      let done = 0;
      while (done < out.length) {
        const n = readSync(fd, out, done, out.length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      return new Uint8Array(out.buffer, out.byteOffset, done);
    },
  };
}
