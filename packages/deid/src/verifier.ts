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
  /** Validator errors of the input, when a validator is used. */
  readonly inputErrors?: readonly string[];
  readonly validator?: IodValidator;
}

/** Values this long are searched in every byte of the output; shorter ones only in header values. */
const WHOLE_FILE_MIN = 6;
const BINARY_VRS = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'OV']);

function lowerAscii(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  for (let i = 0; i < bytes.length; i += 1) {
    const b = bytes[i] ?? 0;
    out[i] = b >= 0x41 && b <= 0x5a ? b + 32 : b;
  }
  return out;
}

function headerText(output: Uint8Array): Buffer {
  const parts: Uint8Array[] = [];
  const file = readDicomFile(output);
  for (const root of [file.meta, file.dataset]) {
    for (const ds of walkDatasets(root)) {
      for (const element of ds.elements.values()) {
        if (element.value && !BINARY_VRS.has(element.vr)) {
          parts.push(element.value, Uint8Array.of(0));
        }
      }
    }
  }
  return lowerAscii(Buffer.concat(parts));
}

function utf16(text: string): Buffer {
  return Buffer.from(text, 'utf16le');
}

/**
 * Re-reads an output and fails it when any identifying value of its input appears in its bytes
 * (as ISO 8859-1/UTF-8 bytes or UTF-16LE, case-insensitive) or in its file name, or when the
 * validator reports an error the input did not have.
 */
export async function verifyOutput(input: VerifyInput): Promise<VerifierFinding[]> {
  const findings: VerifierFinding[] = [];
  let header: Buffer;
  try {
    header = headerText(input.output);
  } catch {
    return [{ kind: 'output-unreadable', where: 'bytes' }];
  }
  const whole = lowerAscii(input.output);
  const name = input.outputName.toLowerCase();
  for (const value of input.identifying) {
    const latin = Buffer.from(value, 'latin1');
    if (value.length >= WHOLE_FILE_MIN) {
      if (whole.indexOf(latin) >= 0) findings.push({ kind: 'residual-identifier', where: 'bytes', encoding: 'ascii' });
      else if (whole.indexOf(utf16(value)) >= 0) findings.push({ kind: 'residual-identifier', where: 'bytes', encoding: 'utf-16le' });
    } else if (header.indexOf(latin) >= 0) {
      findings.push({ kind: 'residual-identifier', where: 'header', encoding: 'ascii' });
    }
    if (value.length >= 4 && name.includes(value)) findings.push({ kind: 'identifier-in-file-name', where: 'file-name' });
  }
  if (input.validator) {
    const before = new Set(input.inputErrors ?? []);
    for (const error of await input.validator(input.output)) {
      if (!before.has(error)) findings.push({ kind: 'new-iod-error', where: error });
    }
  }
  return findings;
}
