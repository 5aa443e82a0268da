import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { CommanderError, type Command } from 'commander';
import { usageError } from '../failure';
import {
  batchReport,
  createDciodvfyValidator,
  createOcrPixelStage,
  deidentifyDicom,
  DerivedPseudonymMap,
  FilePseudonymMap,
  parseDeidOptions,
  summariseReport,
  UidMapper,
  type DeidConfig,
  type DeidRecord,
  type PixelRegion,
  type PseudonymMap,
} from '@delineate/deid';
import { commandSummary } from '../catalog';

export const EXIT_ALL_PASSED = 0;
export const EXIT_USAGE = 2;
export const EXIT_QUARANTINED = 3;

interface DeidCommandOptions {
  readonly options?: string;
  readonly projectSecretFile?: string;
  readonly report?: string;
  readonly pseudonymMap?: string;
  readonly iodCheck: boolean;
  readonly pixelStage: boolean;
  readonly stewardRegions?: string;
}

type StewardRegions = ReadonlyMap<string, PixelRegion[]>;

/**
 * `{ "<source sha256>": [{ "x": 0, "y": 0, "width": 100, "height": 40, "frame": 0 }] }`: the
 * rectangles a data steward drew on quarantined files, keyed by the hash the report lists.
 */
async function loadStewardRegions(file: string | undefined): Promise<StewardRegions> {
  const regions = new Map<string, PixelRegion[]>();
  if (!file) return regions;
  const text = await readFile(file, 'utf8').catch(() => usage('the steward regions file cannot be read'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    usage('the steward regions file is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) usage('steward regions: expected an object keyed by source sha256');
  const count = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;
  for (const [hash, list] of Object.entries(parsed)) {
    if (!/^[0-9a-f]{64}$/.test(hash) || !Array.isArray(list)) usage('steward regions: keys are sha256 hex, values are lists of rectangles');
    regions.set(
      hash,
      list.map((rect: unknown) => {
        const r = rect as Record<string, unknown>;
        if (!count(r.x) || !count(r.y) || !count(r.width) || !count(r.height) || (r.frame !== undefined && !count(r.frame))) {
          usage('steward regions: each rectangle needs integer x, y, width, height (and optional frame) ≥ 0');
        }
        return { x: r.x, y: r.y, width: r.width, height: r.height, ...(r.frame === undefined ? {} : { frame: r.frame as number }), source: 'steward' };
      }),
    );
  }
  return regions;
}

function usage(message: string): never {
  return usageError(message);
}

async function listFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) usage('input does not exist');
  if (info.isFile()) return [path];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

async function projectSecret(file: string | undefined): Promise<Uint8Array> {
  const fromEnv = process.env.DELINEATE_PROJECT_SECRET;
  let secret: Buffer | undefined;
  if (file) secret = await readFile(file).catch(() => usage('the project secret file cannot be read'));
  else if (fromEnv) secret = Buffer.from(fromEnv, 'utf8');
  if (!secret) usage('a project secret is required (--project-secret-file or DELINEATE_PROJECT_SECRET)');
  const trimmed = Buffer.from(secret.toString('latin1').trim(), 'latin1');
  if (trimmed.length < 16) usage('the project secret must be at least 16 bytes');
  return trimmed;
}

/** Runs the gate over the input and writes passed files to output/, quarantined ones to output/quarantine/. */
export async function runDeid(input: string, output: string, flags: DeidCommandOptions): Promise<number> {
  const parsed = parseDeidOptions(flags.options ?? '');
  if (parsed.unknown.length > 0) usage(`unknown de-identification option(s): ${parsed.unknown.join(', ')}`);
  const options = new Set(parsed.options);
  if (options.has('modified-dates') && options.has('retain-longitudinal-full-dates')) {
    usage('modified-dates and retain-longitudinal-full-dates exclude each other');
  }
  const secret = await projectSecret(flags.projectSecretFile);
  const stewardRegions = await loadStewardRegions(flags.stewardRegions);
  const files = await listFiles(resolve(input));
  const outDir = resolve(output);
  const quarantineDir = join(outDir, 'quarantine');
  await mkdir(quarantineDir, { recursive: true });
  const pseudonyms: PseudonymMap = flags.pseudonymMap ? new FilePseudonymMap(resolve(flags.pseudonymMap), secret) : new DerivedPseudonymMap(secret);
  // Without the OCR stage every image that needs a pixel check is quarantined (the safe default).
  const pixelStage = flags.pixelStage ? createOcrPixelStage() : undefined;
  const validator = flags.iodCheck ? createDciodvfyValidator() : undefined;
  const config: DeidConfig = {
    secret,
    options,
    pseudonyms,
    uids: new UidMapper(secret),
    ...(validator ? { validator } : {}),
    ...(pixelStage ? { pixelStage } : {}),
  };

  const records: DeidRecord[] = new Array<DeidRecord>(files.length);
  // Output name (the new SOP Instance UID) → hash of the output first written under it: a second
  // input with the same SOP Instance UID never overwrites it, it is reported instead.
  const written = new Map<string, string>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next;
      next += 1;
      const path = files[index] ?? '';
      const bytes = await readFile(path);
      const regions = stewardRegions.size > 0 ? stewardRegions.get(createHash('sha256').update(bytes).digest('hex')) : undefined;
      const result = await deidentifyDicom(bytes, config, regions ?? []);
      records[index] = result.record;
      if (result.output && result.record.outputName) {
        const dir = result.record.status === 'passed' ? outDir : quarantineDir;
        const path = join(dir, result.record.outputName);
        const earlier = written.get(path);
        if (earlier !== undefined) {
          const same = earlier === result.record.outputSha256;
          records[index] = {
            ...result.record,
            status: 'rejected',
            findings: [
              ...result.record.findings,
              same
                ? { stage: 'batch', kind: 'duplicate-instance', code: 'DLN_INGEST_DUPLICATE' }
                : { stage: 'batch', kind: 'sop-instance-conflict', code: 'DLN_INGEST_CONFLICT' },
            ],
          };
          continue;
        }
        written.set(path, result.record.outputSha256 ?? '');
        await writeFile(path, result.output);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(2 * availableParallelism(), Math.max(1, files.length)) }, worker));
  } finally {
    await pixelStage?.close();
    validator?.close();
  }

  const report = batchReport(records, [...options].sort());
  await writeFile(flags.report ? resolve(flags.report) : join(outDir, 'deid-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(summariseReport(report));
  return report.counts.passed === records.length ? EXIT_ALL_PASSED : EXIT_QUARANTINED;
}

export function register(program: Command): void {
  program
    .command('deid')
    .description(commandSummary('deid'))
    .argument('<input>', 'a DICOM file or a folder (searched recursively)')
    .argument('<output>', 'output folder (passed files; quarantine/ holds the rest)')
    .option('--options <list>', 'comma-separated options, e.g. retain-uids,modified-dates,clean-descriptors')
    .option('--project-secret-file <file>', 'file holding the project secret (or set DELINEATE_PROJECT_SECRET)')
    .option('--report <file>', 'batch report JSON (default: <output>/deid-report.json)')
    .option('--pseudonym-map <file>', 'persist sequential pseudonyms (keyed hashes only) in this file')
    .option('--no-iod-check', 'skip the dciodvfy comparison (not for production use)')
    .option('--no-pixel-stage', 'no OCR/pixel rules: quarantine every image that needs a pixel check')
    .option('--steward-regions <file>', 'rectangles drawn by a data steward, keyed by source sha256 (re-runs redaction and verification)')
    .exitOverride((error) => {
      if (error.exitCode === 0) throw error;
      throw new CommanderError(EXIT_USAGE, error.code, error.message);
    })
    .action(async (input: string, output: string, flags: DeidCommandOptions) => {
      process.exitCode = await runDeid(input, output, flags);
    });
}
