import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { expandZip } from './expand-zip';

describe('expandZip', () => {
  const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

  it('gives the files of an archive and leaves out folders and dot-files', () => {
    const archive = zipSync({ 'a/one.dcm': bytes(10, 1), 'a/two.dcm': bytes(20, 2), '__MACOSX/a/._one.dcm': bytes(5, 3), 'a/.DS_Store': bytes(4, 4) });
    const members = expandZip(archive);
    expect(members.map((m) => [m.path, m.bytes.length])).toEqual([
      ['a/one.dcm', 10],
      ['a/two.dcm', 20],
    ]);
    expect(members[1]!.bytes.every((b) => b === 2)).toBe(true);
  });

  it('refuses an archive that would expand past the ceiling, before inflating it', () => {
    const archive = zipSync({ 'big.dcm': bytes(1_000_000, 0) }, { level: 9 });
    expect(archive.length).toBeLessThan(10_000);
    expect(() => expandZip(archive, { maxBytes: 500_000 })).toThrow(expect.objectContaining({ code: 'DLN_UPLOAD_TOO_LARGE' }));
  });

  it('refuses a damaged archive with one coded error', () => {
    const archive = zipSync({ 'one.dcm': bytes(1000, 7) });
    const damaged = archive.slice(0, archive.length - 30);
    expect(() => expandZip(damaged)).toThrow(expect.objectContaining({ code: 'DLN_UPLOAD_ARCHIVE_INVALID' }));
  });
});
