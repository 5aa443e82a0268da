import { dictionaryKeyword, readDicomFile, tagHex, type DicomDataset, type DicomElement } from '@delineate/formats';
import type { IodValidator } from './dciodvfy';

export type VerifierFindingKind = 'residual-identifier' | 'identifier-in-file-name' | 'new-iod-error' | 'output-unreadable';

export interface VerifierFinding {
  readonly kind: VerifierFindingKind;
  /**
   * Where, never what: the element's path and keyword ("0040a730[0].0040a160 TextValue",
   * "7fe00010 PixelData"), "file structure" for bytes outside any value, "file-name", "bytes"
   * (unreadable output), or the validator's message with its values removed.
   */
  readonly where: string;
  /** Which encoding matched (ascii, utf-16le); never the value itself. */
  readonly encoding?: string;
}

export interface VerifyInput {
  readonly output: Uint8Array;
  readonly outputName: string;
  /** From collectIdentifyingValues on the input (ASCII lower case). */
  readonly identifying: readonly string[];
  /**
   * Paths of values the gate wrote itself (EngineContext.written; "meta." before a meta
   * element; a sequence's path covers its items). They are left out of the search: a dummy or
   * shifted date equal to a source date is not a surviving source value. The same value
   * anywhere else is still found.
   */
  readonly written?: ReadonlySet<string>;
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
  return new Set(findNeedlePositions(hay, needles).keys());
}

/** As {@link findNeedles}, with the offset of each needle's first occurrence. */
export function findNeedlePositions(hay: Uint8Array, needles: readonly Uint8Array[]): Map<number, number> {
  const found = new Map<number, number>();
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
      if (k === needle.length) found.set(index, start);
    }
    pos += 1;
  }
  return found;
}

/** One value of the output: where it is (path, keyword) and, when it views the output, its offset. */
interface OutputValue {
  readonly path: string;
  readonly element: DicomElement;
  readonly bytes: Uint8Array;
  readonly offset: number | undefined;
  readonly written: boolean;
}

function describe(value: Pick<OutputValue, 'path' | 'element'>): string {
  const keyword = dictionaryKeyword(value.element.tag);
  const path = value.path.startsWith('meta.') ? value.path.slice(5) : value.path;
  return keyword ? `${path} ${keyword}` : path;
}

/** Every value of the output (meta and data set, every depth, each fragment), with its path. */
function outputValues(output: Uint8Array, written: ReadonlySet<string>): OutputValue[] {
  const file = readDicomFile(output);
  const values: OutputValue[] = [];
  const offsetOf = (bytes: Uint8Array) => (bytes.buffer === output.buffer ? bytes.byteOffset - output.byteOffset : undefined);
  const visit = (ds: DicomDataset, prefix: string, inherited: boolean) => {
    for (const element of ds.elements.values()) {
      const path = `${prefix}${tagHex(element.tag)}`;
      const isWritten = inherited || written.has(path);
      if (element.items) element.items.forEach((item, index) => visit(item, `${path}[${index}].`, isWritten));
      for (const bytes of element.fragments ?? (element.value ? [element.value] : [])) {
        values.push({ path, element, bytes, offset: offsetOf(bytes), written: isWritten });
      }
    }
  };
  visit(file.meta, 'meta.', false);
  visit(file.dataset, '', false);
  return values;
}

/** The innermost value holding byte `position` of the output, if any. */
function valueAt(values: readonly OutputValue[], position: number): OutputValue | undefined {
  let best: OutputValue | undefined;
  for (const value of values) {
    if (value.offset === undefined || position < value.offset || position >= value.offset + value.bytes.length) continue;
    if (!best || value.bytes.length < best.bytes.length) best = value;
  }
  return best;
}

const asBytes = (text: string, encoding: 'latin1' | 'utf16le'): Uint8Array => Uint8Array.from(Buffer.from(text, encoding), lowerByte);

/**
 * Re-reads an output and fails it when any identifying value of its input appears in its bytes
 * (as ISO 8859-1/UTF-8 bytes or UTF-16LE, case-insensitive) or in its file name, or when the
 * validator reports an error the input did not have.
 */
export async function verifyOutput(input: VerifyInput): Promise<VerifierFinding[]> {
  const findings: VerifierFinding[] = [];
  let values: OutputValue[];
  try {
    values = outputValues(input.output, input.written ?? new Set());
  } catch {
    return [{ kind: 'output-unreadable', where: 'bytes' }];
  }
  const seen = new Set<string>();
  const residual = (where: string, encoding: string) => {
    const key = `${where}\u0000${encoding}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push({ kind: 'residual-identifier', where, encoding });
  };
  // Long values: every byte of the file, as ISO 8859-1/UTF-8 bytes and as UTF-16LE, except the
  // values the gate wrote. Short values (3–5 characters) only in header values, where they
  // cannot match by chance in pixels.
  const long = input.identifying.filter((value) => value.length >= WHOLE_FILE_MIN);
  const short = input.identifying.filter((value) => value.length < WHOLE_FILE_MIN);
  const wholeNeedles = [...long.map((v) => asBytes(v, 'latin1')), ...long.map((v) => asBytes(v, 'utf16le'))];
  // One pass finds which values occur at all; only those are searched again, one by one, so
  // that every element holding one is named, and an occurrence inside a value the gate wrote is
  // stepped over rather than reported (without copying the output to blank them).
  for (const index of findNeedlePositions(input.output, wholeNeedles).keys()) {
    const needle = wholeNeedles[index] as Uint8Array;
    const encoding = index < long.length ? 'ascii' : 'utf-16le';
    let from = 0;
    for (;;) {
      const hit = findNeedlePositions(input.output.subarray(from), [needle]).get(0);
      if (hit === undefined) break;
      const value = valueAt(values, from + hit);
      if (!value?.written) residual(value ? describe(value) : 'file structure', encoding);
      from = value?.offset !== undefined ? value.offset + value.bytes.length : from + hit + needle.length;
    }
  }
  // Short values in header values, element by element; every value in values that do not view
  // the output's bytes (a deflated output, parsed from its inflated copy).
  for (const value of values) {
    if (value.written) continue;
    const header = !BINARY_VRS.has(value.element.vr) && value.element.tag !== PIXEL_DATA;
    const needles = value.offset === undefined ? input.identifying : header ? short : [];
    if (needles.length === 0) continue;
    const text = Buffer.from(value.bytes).toString('latin1').toLowerCase();
    for (const needle of needles) if (text.includes(needle)) residual(describe(value), 'ascii');
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

const PIXEL_DATA = 0x7fe00010;
