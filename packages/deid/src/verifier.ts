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
 * in one pass: a rolling 4-byte key, a 64 Ki-entry filter on its low half, then an exact check.
 * One scan serves every value and encoding, so whole images cost one loop, not one per value.
 */
export function findNeedles(hay: Uint8Array, needles: readonly Uint8Array[]): Set<number> {
  const found = new Set<number>();
  const filter = new Uint8Array(65536);
  const byKey = new Map<number, number[]>();
  needles.forEach((needle, index) => {
    if (needle.length < 4) return;
    const key = (((needle[0] ?? 0) << 24) | ((needle[1] ?? 0) << 16) | ((needle[2] ?? 0) << 8) | (needle[3] ?? 0)) >>> 0;
    filter[key & 0xffff] = 1;
    const list = byKey.get(key);
    if (list) list.push(index);
    else byKey.set(key, [index]);
  });
  const table = LOWER;
  const length = hay.length;
  let key = 0;
  for (let j = 0; j < length; j += 1) {
    key = (key << 8) | (table[hay[j] as number] as number);
    if (filter[key & 0xffff] === 0 || j < 3) continue;
    const candidates = byKey.get(key >>> 0);
    if (!candidates) continue;
    const start = j - 3;
    for (const index of candidates) {
      if (found.has(index)) continue;
      const needle = needles[index] ?? new Uint8Array(0);
      if (start + needle.length > length) continue;
      let k = 4;
      while (k < needle.length && table[hay[start + k] as number] === needle[k]) k += 1;
      if (k === needle.length) found.add(index);
    }
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
