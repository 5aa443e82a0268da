import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { Zip, ZipPassThrough } from 'fflate';

/** Zip entries carry a DOS time; a fixed one keeps the archive of the same store byte-identical. */
const FIXED_TIME = new Date(Date.UTC(1980, 0, 1));

/**
 * A folder (an OME-Zarr store) as a zip archive, yielded piece by piece: one file is held at a
 * time, so a slide's thousands of chunk files stream out. Entries are stored, not deflated (zarr
 * chunks are compressed already), in sorted path order with `/` separators, which is the layout a
 * zipped zarr store has (zarrita's `ZipFileStore` reads it).
 */
export async function* zipFolder(dir: string): AsyncGenerator<Uint8Array> {
  const pending: Uint8Array[] = [];
  let failure: Error | undefined;
  const zip = new Zip((error, data) => {
    if (error) failure = error;
    else pending.push(data);
  });
  for (const path of await filesUnder(dir)) {
    const entry = new ZipPassThrough(relative(dir, path).split(sep).join('/'));
    entry.mtime = FIXED_TIME;
    zip.add(entry);
    entry.push(await readFile(path), true);
    if (failure) throw failure;
    yield* pending.splice(0);
  }
  zip.end();
  if (failure) throw failure;
  yield* pending.splice(0);
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
