import { DelineateError } from '@delineate/schema';
import { streamGet, type StreamedAnswer } from './http-stream';
import { contentTypeParameters, readMultipart, writeMultipart, type ReadMeter } from './multipart';
import { qidoRequestPath, readQidoMatches, type QidoMatch, type QidoSearch } from './qido';

/** Where and how to reach a PACS: what a project's connection holds, the password opened. */
export interface DicomwebEndpoint {
  /** The DICOMweb root, e.g. `https://pacs.example.org/dicom-web` (no trailing slash). */
  readonly baseUrl: string;
  readonly username: string | null;
  readonly password: string | null;
  /** A search or a send must answer within this; a retrieval must not stall longer than this. */
  readonly timeoutMs: number;
  /** The largest instance a retrieval accepts. */
  readonly maxInstanceBytes: number;
}

/** What one STOW-RS request stored, from the PACS's answer (PS3.18 §10.5.3). */
export interface StowOutcome {
  readonly httpStatus: number;
  readonly stored: number;
  readonly failed: number;
  /** The Retrieve URL of the study the PACS gave back, when it gave one. */
  readonly retrieveUrl: string | null;
}

/** A study, or one series of it, to retrieve. */
export interface RetrieveTarget {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid?: string | undefined;
}

const uidPattern = /^[0-9.]{1,64}$/;

/** QIDO-RS, WADO-RS and STOW-RS against one DICOMweb server, with coded refusals. */
export class DicomwebClient {
  readonly #endpoint: DicomwebEndpoint;

  constructor(endpoint: DicomwebEndpoint) {
    this.#endpoint = endpoint;
  }

  async search(search: QidoSearch): Promise<QidoMatch[]> {
    const res = await this.#request(qidoRequestPath(search), { headers: { accept: 'application/dicom+json' } }, AbortSignal.timeout(this.#endpoint.timeoutMs));
    // 204: the PACS matched nothing.
    if (res.status === 204) return [];
    const text = await res.text();
    try {
      return readQidoMatches(JSON.parse(text), search.level);
    } catch {
      throw new DelineateError('DLN_DICOMWEB_ANSWER', 'The PACS answered the search with something that is not DICOM JSON');
    }
  }

  /**
   * The instances of a study or series (WADO-RS), one at a time as the answer arrives; the
   * answer stalling for longer than the timeout aborts it (DLN_DICOMWEB_UNREACHABLE). `meter`
   * records the most the reader held at once.
   */
  async *retrieve(target: RetrieveTarget, options: { meter?: ReadMeter } = {}): AsyncGenerator<Uint8Array> {
    if (!uidPattern.test(target.studyInstanceUid) || (target.seriesInstanceUid !== undefined && !uidPattern.test(target.seriesInstanceUid))) {
      throw new DelineateError('DLN_REQUEST_INVALID', 'A study or series to retrieve is not a DICOM UID');
    }
    const path = `/studies/${target.studyInstanceUid}${target.seriesInstanceUid ? `/series/${target.seriesInstanceUid}` : ''}`;
    const stall = new AbortController();
    let timer = setTimeout(() => stall.abort(), this.#endpoint.timeoutMs);
    const rearm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => stall.abort(), this.#endpoint.timeoutMs);
    };
    // Set once the answer was read to its end: a consumer that stops early (a runner stopped
    // midway) closes the connection rather than leaving it to the PACS.
    let readToEnd = false;
    let answer: StreamedAnswer | undefined;
    try {
      answer = await this.#stream(path, { accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' }, stall.signal);
      const { mediaType, parameters } = contentTypeParameters(answer.header('content-type') ?? '');
      if (mediaType !== 'multipart/related' || !parameters.boundary) {
        throw new DelineateError('DLN_DICOMWEB_NOT_DICOM', 'The PACS answered the retrieval with something other than multipart/related');
      }
      const chunks = async function* (body: AsyncIterable<Uint8Array>) {
        for await (const chunk of body) {
          rearm();
          yield chunk;
        }
      };
      for await (const part of readMultipart(chunks(answer.body), parameters.boundary, { maxPartBytes: this.#endpoint.maxInstanceBytes, ...(options.meter ? { meter: options.meter } : {}) })) {
        const type = contentTypeParameters(part.headers['content-type'] ?? parameters.type ?? '').mediaType;
        if (type !== 'application/dicom' || !hasDicomPreamble(part.body)) {
          throw new DelineateError('DLN_DICOMWEB_NOT_DICOM', 'A part of the PACS answer is not a DICOM instance');
        }
        yield part.body;
      }
      readToEnd = true;
    } catch (error) {
      if (stall.signal.aborted) throw new DelineateError('DLN_DICOMWEB_UNREACHABLE', 'The PACS stopped sending the retrieval', { timeoutMs: this.#endpoint.timeoutMs });
      throw error;
    } finally {
      clearTimeout(timer);
      if (!readToEnd) answer?.discard();
    }
  }

  /** Sends instances in one STOW-RS request (POST /studies). */
  async store(instances: readonly Uint8Array[]): Promise<StowOutcome> {
    const boundary = `delineate-${crypto.randomUUID()}`;
    const body = writeMultipart(instances, boundary);
    const res = await this.#request(
      '/studies',
      {
        method: 'POST',
        headers: { accept: 'application/dicom+json', 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` },
        body,
      },
      AbortSignal.timeout(this.#endpoint.timeoutMs),
      // 409: the PACS stored none of them; its answer still says why, per instance.
      [409],
    );
    const answer = (await res.json().catch(() => ({}))) as Record<string, { Value?: unknown[] } | undefined>;
    const stored = answer['00081199']?.Value?.length ?? 0;
    const failed = answer['00081198']?.Value?.length ?? 0;
    const url = answer['00081190']?.Value?.[0];
    if (res.status === 409 || stored === 0) {
      throw new DelineateError('DLN_DICOMWEB_STORE_REFUSED', 'The PACS stored none of the instances sent', { httpStatus: res.status, failed });
    }
    return { httpStatus: res.status, stored, failed, retrieveUrl: typeof url === 'string' ? url : null };
  }

  async #request(path: string, init: RequestInit, signal: AbortSignal, alsoAccepted: readonly number[] = []): Promise<Response> {
    let res: Response;
    try {
      // Redirects are refused: they would carry the credentials to another server.
      res = await fetch(`${this.#endpoint.baseUrl}${path}`, { ...init, headers: this.#headers(init.headers as Record<string, string>), signal, redirect: 'error' });
    } catch (error) {
      throw this.#unreachable(error, signal);
    }
    const refusal = this.#refusal(res.status, alsoAccepted);
    if (refusal) {
      await res.body?.cancel();
      throw refusal;
    }
    return res;
  }

  /** A GET read as it arrives (retrievals): see {@link streamGet} for why not `fetch`. */
  async #stream(path: string, headers: Record<string, string>, signal: AbortSignal): Promise<StreamedAnswer> {
    let answer: StreamedAnswer;
    try {
      answer = await streamGet(`${this.#endpoint.baseUrl}${path}`, this.#headers(headers), signal);
    } catch (error) {
      throw this.#unreachable(error, signal);
    }
    // A redirect is not followed, so it is refused as an error answer.
    const refusal = this.#refusal(answer.status, []);
    if (refusal) {
      answer.discard();
      throw refusal;
    }
    return answer;
  }

  #headers(given: Record<string, string> | undefined): Record<string, string> {
    const { username, password } = this.#endpoint;
    const headers: Record<string, string> = { ...given };
    if (username !== null) headers.authorization = `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
    return headers;
  }

  #unreachable(error: unknown, signal: AbortSignal): DelineateError {
    const timedOut = signal.aborted;
    return new DelineateError('DLN_DICOMWEB_UNREACHABLE', timedOut ? 'The PACS did not answer in time' : 'The PACS cannot be reached', {
      ...(timedOut ? { timeoutMs: this.#endpoint.timeoutMs } : { cause: errorCause(error) }),
    });
  }

  #refusal(status: number, alsoAccepted: readonly number[]): DelineateError | null {
    if (status === 401 || status === 403) return new DelineateError('DLN_DICOMWEB_UNAUTHORIZED', 'The PACS refused the connection’s credentials', { httpStatus: status });
    if ((status < 200 || status > 299) && !alsoAccepted.includes(status)) return new DelineateError('DLN_DICOMWEB_ANSWER', 'The PACS answered with an error', { httpStatus: status });
    return null;
  }
}

/** A network error's code (ECONNREFUSED, ENOTFOUND…): says what failed without any value. */
function errorCause(error: unknown): string {
  // fetch wraps the socket's error as its cause; node:http gives it directly.
  const { cause, code } = error as { cause?: { code?: unknown }; code?: unknown };
  if (typeof cause?.code === 'string') return cause.code;
  return typeof code === 'string' && /^E[A-Z_]+$/.test(code) ? code : 'network error';
}

/** A DICOM Part 10 file: 128-byte preamble then `DICM`. */
function hasDicomPreamble(bytes: Uint8Array): boolean {
  return bytes.length > 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}
