import { unzipSync } from 'fflate';
import { DelineateError } from '@delineate/schema';
import { maxDecodedBytes } from '../decoded-limit';

export interface ZipMember {
  /** The path inside the archive, `/`-separated. */
  readonly path: string;
  readonly bytes: Uint8Array;
}

export interface ExpandZipOptions {
  /** Ceiling on the sum of the members' sizes (default the decoded-bytes ceiling). */
  readonly maxBytes?: number;
  readonly maxMembers?: number;
}

/** Folders, macOS resource forks and dot-files are not files a person meant to send. */
function isPayload(path: string): boolean {
  return !path.endsWith('/') && !path.split('/').some((part) => part.startsWith('.') || part === '__MACOSX');
}

/**
 * The files of an uploaded zip archive, in archive order. The archive is untrusted: the sizes its
 * directory declares are summed against a ceiling before anything is inflated (a few kilobytes of
 * deflate can claim gigabytes), and any damage is one coded refusal, never a partial list.
 */
export function expandZip(archive: Uint8Array, options: ExpandZipOptions = {}): ZipMember[] {
  const maxBytes = options.maxBytes ?? maxDecodedBytes();
  const maxMembers = options.maxMembers ?? 100_000;
  let declared = 0;
  let members = 0;
  let expanded: Record<string, Uint8Array>;
  try {
    expanded = unzipSync(archive, {
      filter: (file) => {
        if (!isPayload(file.name)) return false;
        declared += file.originalSize;
        members += 1;
        if (declared > maxBytes) throw new DelineateError('DLN_UPLOAD_TOO_LARGE', 'The archive would expand to more than this server takes', { limit: maxBytes });
        if (members > maxMembers) throw new DelineateError('DLN_UPLOAD_TOO_LARGE', 'The archive holds more files than this server takes', { limit: maxMembers });
        return true;
      },
    });
  } catch (error) {
    if (error instanceof DelineateError) throw error;
    throw new DelineateError('DLN_UPLOAD_ARCHIVE_INVALID', 'The zip archive is damaged or uses a compression this server does not read');
  }
  return Object.entries(expanded).map(([path, bytes]) => ({ path, bytes }));
}
