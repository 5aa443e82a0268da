import { DelineateError } from '@delineate/schema';

/** One body part of a multipart/related message: its headers (lower-case names) and bytes. */
export interface MultipartPart {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** The parameters of a Content-Type header: `multipart/related; type="application/dicom"; boundary=x`. */
export function contentTypeParameters(header: string): { mediaType: string; parameters: Record<string, string> } {
  const [mediaType = '', ...rest] = header.split(';');
  const parameters: Record<string, string> = {};
  for (const piece of rest) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    const name = piece.slice(0, eq).trim().toLowerCase();
    let value = piece.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    parameters[name] = value;
  }
  return { mediaType: mediaType.trim().toLowerCase(), parameters };
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
/** Headers of one part are a few lines; anything longer is not a DICOMweb answer. */
const maxHeaderBytes = 16 * 1024;

const malformed = (what: string): never => {
  throw new DelineateError('DLN_DICOMWEB_MULTIPART', `The PACS answer is not a well-formed multipart message (${what})`);
};

/** What a reader held at most at once: the part being read and the unread rest of the answer. */
export interface ReadMeter {
  peakBytes: number;
}

/**
 * Reads a multipart/related body as it arrives (RFC 2046 §5.1), one part at a time: memory holds
 * the part being read, never the whole answer (a study can be gigabytes). A part over
 * `maxPartBytes` is refused (DLN_DICOMWEB_OVERSIZE) as soon as it grows past it.
 */
export async function* readMultipart(chunks: AsyncIterable<Uint8Array>, boundary: string, options: { maxPartBytes: number; meter?: ReadMeter }): AsyncGenerator<MultipartPart> {
  if (!boundary || boundary.length > 70) malformed('no usable boundary');
  const opening = Buffer.from(`--${boundary}`);
  // Every boundary after the first follows the CRLF that ends the previous part's body.
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let buffer = Buffer.alloc(0);
  let state: 'preamble' | 'after-boundary' | 'headers' | 'body' | 'done' = 'preamble';
  let headers: Record<string, string> = {};
  let bodyChunks: Buffer[] = [];
  let bodyBytes = 0;
  const iterator = chunks[Symbol.asyncIterator]();
  let ended = false;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      return false;
    }
    buffer = buffer.length === 0 ? Buffer.from(next.value) : Buffer.concat([buffer, next.value]);
    if (options.meter) options.meter.peakBytes = Math.max(options.meter.peakBytes, buffer.length + bodyBytes);
    return true;
  };
  while (state !== 'done') {
    if (state === 'preamble') {
      // The first boundary may open the body directly or follow a preamble line.
      const at = buffer.length >= opening.length && buffer.subarray(0, opening.length).equals(opening) ? 0 : buffer.indexOf(delimiter);
      if (at < 0) {
        if (buffer.length > maxHeaderBytes) malformed('no opening boundary');
        if (!(await more())) malformed('no opening boundary');
        continue;
      }
      buffer = buffer.subarray(at + (at === 0 && buffer[0] === 0x2d ? opening.length : delimiter.length));
      state = 'after-boundary';
    } else if (state === 'after-boundary') {
      if (buffer.length < 2) {
        if (!(await more())) malformed('ends after a boundary');
        continue;
      }
      if (buffer[0] === 0x2d && buffer[1] === 0x2d) {
        state = 'done';
        continue;
      }
      // Transport padding (spaces or tabs) may follow a boundary before its CRLF.
      const eol = buffer.indexOf(CRLF);
      if (eol < 0) {
        if (buffer.length > maxHeaderBytes || !(await more())) malformed('a boundary line does not end');
        continue;
      }
      if (buffer.subarray(0, eol).toString('latin1').trim() !== '') malformed('text after a boundary');
      buffer = buffer.subarray(eol + 2);
      state = 'headers';
    } else if (state === 'headers') {
      // A part without headers starts its body right after the boundary line's CRLF.
      const end = buffer.subarray(0, 2).equals(CRLF) ? -2 : buffer.indexOf(HEADER_END);
      if (end === -1) {
        if (buffer.length > maxHeaderBytes || !(await more())) malformed('part headers do not end');
        continue;
      }
      headers = parseHeaders(end < 0 ? '' : buffer.subarray(0, end).toString('latin1'));
      buffer = buffer.subarray(end < 0 ? 2 : end + 4);
      state = 'body';
    } else {
      const at = buffer.indexOf(delimiter);
      if (at < 0) {
        // Bytes that cannot start a delimiter are moved out of the search buffer, so a large part
        // is searched and copied once (the tail kept could be the start of one).
        const keep = delimiter.length - 1;
        if (buffer.length > keep) {
          const settled = buffer.subarray(0, buffer.length - keep);
          bodyChunks.push(settled);
          bodyBytes += settled.length;
          buffer = buffer.subarray(buffer.length - keep);
        }
        if (bodyBytes > options.maxPartBytes) {
          throw new DelineateError('DLN_DICOMWEB_OVERSIZE', 'A part of the PACS answer is larger than the configured limit', { maxPartBytes: options.maxPartBytes });
        }
        if (!(await more())) malformed('the last part is cut off');
        continue;
      }
      if (bodyBytes + at > options.maxPartBytes) {
        throw new DelineateError('DLN_DICOMWEB_OVERSIZE', 'A part of the PACS answer is larger than the configured limit', { maxPartBytes: options.maxPartBytes });
      }
      // Copied out so the part does not keep the rest of the read buffer alive.
      const body = new Uint8Array(Buffer.concat([...bodyChunks, buffer.subarray(0, at)]));
      bodyChunks = [];
      bodyBytes = 0;
      buffer = buffer.subarray(at + delimiter.length);
      state = 'after-boundary';
      yield { headers, body };
    }
  }
  await iterator.return?.();
}

function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) malformed('a part header line has no name');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** A multipart/related body for STOW-RS: each instance as one application/dicom part. */
export function writeMultipart(parts: readonly Uint8Array[], boundary: string, partType = 'application/dicom'): Uint8Array {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    pieces.push(Buffer.from(`--${boundary}\r\nContent-Type: ${partType}\r\nContent-Length: ${part.length}\r\n\r\n`), Buffer.from(part.buffer, part.byteOffset, part.byteLength), CRLF);
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(pieces);
}
