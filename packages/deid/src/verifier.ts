import { readDicomFile, walkDatasets } from '@delineate/formats';
import type { IodValidator } from './dciodvfy';

export type VerifierFindingKind = 'residual-identifier' | 'identifier-in-file-name' | 'new-iod-error' | 'output-unreadable';

export interface VerifierFinding {
  readonly kind: VerifierFindingKind;
  /** Where: "bytes", "header", "file-name", or the normalised validator message (no values). */
  readonly where: string;
  /** Which encoding matched (ascii, utf-16le); never the value itself. */
  readonly encoding?: string;
}

export interface VerifyInput {
  readonly output: Uint8Array;
  readonly outputName: string;
  /** From collectIdentifyingValues on the input (ASCII lower case). */
  readonly identifying: readonly string[];
  /** Validator errors of the input, if already known… */
  readonly inputErrors?: readonly string[];
  /** …or the input bytes, validated when the output shows errors. */
  readonly input?: Uint8Array;
  readonly validator?: IodValidator;
}

/** Values this long are searched in every byte of the output; shorter ones only in header values. */
const WHOLE_FILE_MIN = 6;
const BINARY_VRS = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'OV']);

const lowerByte = (b: number): number => (b >= 0x41 && b <= 0x5a ? b + 32 : b);
const LOWER = Uint8Array.from({ length: 256 }, (_, b) => lowerByte(b));

/**
 * Finds which needles (lower-case bytes, at least 4 long) occur in `hay`, ASCII case-insensitive,
 * in one pass for all of them (Wu–Manber: a window as long as the shortest needle slides by the
 * shift its last two bytes allow, so most of an image is skipped several bytes at a time).
 */
export function findNeedles(hay: Uint8Array, needles: readonly Uint8Array[]): Set<number> {
  const found = new Set<number>();
  const usable = needles.map((needle, index) => ({ needle, index })).filter(({ needle }) => needle.length >= 4);
  if (usable.length === 0) return found;
  const m = Math.min(255, ...usable.map(({ needle }) => needle.length));
  const shift = new Uint8Array(65536).fill(m - 1);
  const atEnd = new Map<number, number[]>();
  for (const { needle, index } of usable) {
    for (let q = 1; q < m; q += 1) {
      const block = ((needle[q - 1] as number) << 8) | (needle[q] as number);
      shift[block] = Math.min(shift[block] as number, m - 1 - q);
    }
    const last = ((needle[m - 2] as number) << 8) | (needle[m - 1] as number);
    const list = atEnd.get(last);
    if (list) list.push(index);
    else atEnd.set(last, [index]);
  }
  const table = LOWER;
  const length = hay.length;
  let pos = m - 1;
  while (pos < length) {
    const block = ((table[hay[pos - 1] as number] as number) << 8) | (table[hay[pos] as number] as number);
    const step = shift[block] as number;
    if (step > 0) {
      pos += step;
      continue;
    }
    const start = pos - m + 1;
    for (const index of atEnd.get(block) ?? []) {
      if (found.has(index)) continue;
      const needle = needles[index] as Uint8Array;
      if (start + needle.length > length) continue;
      let k = 0;
      while (k < needle.length && table[hay[start + k] as number] === needle[k]) k += 1;
      if (k === needle.length) found.add(index);
    }
    pos += 1;
  }
  return found;
}

function headerBytes(output: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const file = readDicomFile(output);
  for (const root of [file.meta, file.dataset]) {
    for (const ds of walkDatasets(root)) {
      for (const element of ds.elements.values()) {
        if (element.value && !BINARY_VRS.has(element.vr)) parts.push(element.value, Uint8Array.of(0));
      }
    }
  }
  return Buffer.concat(parts);
}

const asBytes = (text: string, encoding: 'latin1' | 'utf16le'): Uint8Array => Uint8Array.from(Buffer.from(text, encoding), lowerByte);

/**
 * Re-reads an output and fails it when any identifying value of its input appears in its bytes
 * (as ISO 8859-1/UTF-8 bytes or UTF-16LE, case-insensitive) or in its file name, or when the
 * validator reports an error the input did not have.
 */
export async function verifyOutput(input: VerifyInput): Promise<VerifierFinding[]> {
  const findings: VerifierFinding[] = [];
  let header: Uint8Array;
  try {
    header = headerBytes(input.output);
  } catch {
    return [{ kind: 'output-unreadable', where: 'bytes' }];
  }
  // Long values: every byte of the file, as ISO 8859-1/UTF-8 bytes and as UTF-16LE.
  // Short values (3–5 characters) only in header values, where they cannot match by chance in pixels.
  const long = input.identifying.filter((value) => value.length >= WHOLE_FILE_MIN);
  const short = input.identifying.filter((value) => value.length < WHOLE_FILE_MIN);
  const wholeNeedles = [...long.map((v) => asBytes(v, 'latin1')), ...long.map((v) => asBytes(v, 'utf16le'))];
  const wholeHits = findNeedles(input.output, wholeNeedles);
  for (const index of wholeHits) {
    findings.push({ kind: 'residual-identifier', where: 'bytes', encoding: index < long.length ? 'ascii' : 'utf-16le' });
  }
  const headerText = Buffer.from(header).toString('latin1').toLowerCase();
  for (const value of short) {
    if (headerText.includes(value.toLowerCase())) findings.push({ kind: 'residual-identifier', where: 'header', encoding: 'ascii' });
  }
  const name = input.outputName.toLowerCase();
  for (const value of input.identifying) {
    if (value.length >= 4 && name.includes(value.toLowerCase())) findings.push({ kind: 'identifier-in-file-name', where: 'file-name' });
  }
  if (input.validator) {
    // The input is only validated when the output has errors: a clean output needs no baseline.
    const errors = await input.validator(input.output);
    if (errors.length > 0) {
      const before = new Set(input.inputErrors ?? (input.input ? await input.validator(input.input) : []));
      for (const error of errors) if (!before.has(error)) findings.push({ kind: 'new-iod-error', where: error });
    }
  }
  return findings;
}
