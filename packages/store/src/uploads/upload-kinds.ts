import { DelineateError } from '@delineate/schema';

/**
 * What the upload accepts: what the ingest gate reads (DICOM files, DICOMDIR folders, zip
 * archives of them, whole-slide images, which go through the slide gate, and NIfTI label maps
 * sent with the series they were made on, imported onto it), and MP4 or MOV video (the video
 * gate, issue 21). Other video containers are refused in plain words; the rest is left to the
 * gate, which rejects what it cannot read with its own reason.
 */
export type RefusedKind = 'video';

const refusals: Readonly<Record<RefusedKind, string>> = {
  video: 'Only MP4 and MOV videos are accepted',
};

const byExtension: ReadonlyArray<readonly [RegExp, RefusedKind]> = [[/\.(avi|mkv|webm|mpg|mpeg)$/i, 'video']];

function refuse(kind: RefusedKind): never {
  throw new DelineateError('DLN_UPLOAD_KIND_UNSUPPORTED', refusals[kind], { kind });
}

/** Refuses, before a byte is sent, a file whose name says it is of a kind the gate does not take. */
export function checkUploadName(name: string): void {
  for (const [pattern, kind] of byExtension) if (pattern.test(name)) refuse(kind);
}

const startsWith = (bytes: Uint8Array, at: number, ascii: string) => bytes.length >= at + ascii.length && [...ascii].every((c, i) => bytes[at + i] === c.charCodeAt(0));

/** The same refusal from the content (a renamed file): video containers other than MP4 and MOV. */
export function checkUploadContent(head: Uint8Array): void {
  // A DICOM file's 128-byte preamble is free bytes (it may hold another format's header): DICM decides.
  if (startsWith(head, 128, 'DICM')) return;
  if ((startsWith(head, 0, 'RIFF') && startsWith(head, 8, 'AVI ')) || (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3)) refuse('video');
}

/** A zip archive (local file header), expanded into its files before the gate. */
export function isZipArchive(bytes: Uint8Array): boolean {
  return startsWith(bytes, 0, 'PK\x03\x04');
}

/** An MP4 or QuickTime MOV file (an `ftyp`, `moov`, `mdat`, `free` or `wide` box first), for the video gate. */
export function isVideoContainer(head: Uint8Array): boolean {
  return ['ftyp', 'moov', 'mdat', 'free', 'wide'].some((box) => startsWith(head, 4, box));
}

/** A plain photograph (PNG or JPEG signature): wrapped into an Ophthalmic Photography instance before the gate. */
export function isRasterPhotograph(head: Uint8Array): boolean {
  return startsWith(head, 0, '\x89PNG\r\n\x1a\n') || (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff);
}
