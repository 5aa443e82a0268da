/** One file of an export archive. */
export interface ArchiveFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

const BLOCK = 512;
const encoder = new TextEncoder();

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** The ustar header of one regular file; long paths go into the 155-byte prefix field. */
function header(path: string, size: number, mtime: number): Uint8Array {
  let name = path, prefix = '';
  if (encoder.encode(path).length > 100) {
    const cut = path.lastIndexOf('/', 155);
    prefix = path.slice(0, cut);
    name = path.slice(cut + 1);
  }
  if (encoder.encode(name).length > 100 || encoder.encode(prefix).length > 155) throw new RangeError('archive path too long');
  const h = new Uint8Array(BLOCK);
  const put = (text: string, offset: number) => h.set(encoder.encode(text), offset);
  put(name, 0);
  put(octal(0o644, 8), 100);
  put(octal(0, 8), 108);
  put(octal(0, 8), 116);
  put(octal(size, 12), 124);
  put(octal(mtime, 12), 136);
  put('        ', 148);
  put('0', 156);
  put('ustar\x0000', 257);
  put(prefix, 345);
  let sum = 0;
  for (const b of h) sum += b;
  put(octal(sum, 7) + ' ', 148);
  return h;
}

/**
 * A POSIX ustar archive of the files in the order given. Every entry carries the same time
 * (the release's freeze time), so one release always gives the same bytes.
 */
export function tarArchive(files: readonly ArchiveFile[], mtime: Date): Uint8Array {
  const seconds = Math.floor(mtime.getTime() / 1000);
  const size = files.reduce((s, f) => s + BLOCK + Math.ceil(f.bytes.length / BLOCK) * BLOCK, 2 * BLOCK);
  const out = new Uint8Array(size);
  let at = 0;
  for (const f of files) {
    out.set(header(f.path, f.bytes.length, seconds), at);
    at += BLOCK;
    out.set(f.bytes, at);
    at += Math.ceil(f.bytes.length / BLOCK) * BLOCK;
  }
  return out;
}

/** The regular files of a ustar archive as {@link tarArchive} writes it (what a STOW-RS send of an export reads back). */
export function readTarArchive(archive: Uint8Array): ArchiveFile[] {
  const decoder = new TextDecoder();
  const field = (at: number, length: number) => decoder.decode(archive.subarray(at, at + length)).replace(/\0.*$/s, '');
  const files: ArchiveFile[] = [];
  for (let at = 0; at + 512 <= archive.length; ) {
    if (archive.subarray(at, at + 512).every((b) => b === 0)) break;
    const name = field(at, 100);
    const prefix = field(at + 345, 155);
    const size = parseInt(field(at + 124, 12).trim() || '0', 8);
    if (!Number.isFinite(size) || at + 512 + size > archive.length) throw new RangeError('archive entry runs past the end');
    if (field(at + 156, 1) === '0' || field(at + 156, 1) === '') files.push({ path: prefix ? `${prefix}/${name}` : name, bytes: archive.slice(at + 512, at + 512 + size) });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
