import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { CommanderError, type Command } from 'commander';
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
  type PseudonymMap,
} from '@delineate/deid';

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
}

function usage(message: string): never {
  throw new CommanderError(EXIT_USAGE, 'delineate.usage', message);
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
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next;
      next += 1;
      const path = files[index] ?? '';
      const result = await deidentifyDicom(await readFile(path), config);
      records[index] = result.record;
      if (result.output && result.record.outputName) {
        const dir = result.record.status === 'passed' ? outDir : quarantineDir;
        await writeFile(join(dir, result.record.outputName), result.output);
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
    .description('De-identify DICOM files (PS3.15 Annex E basic profile + options), verify and quarantine')
    .argument('<input>', 'a DICOM file or a folder (searched recursively)')
    .argument('<output>', 'output folder (passed files; quarantine/ holds the rest)')
    .option('--options <list>', 'comma-separated options, e.g. retain-uids,modified-dates,clean-descriptors')
    .option('--project-secret-file <file>', 'file holding the project secret (or set DELINEATE_PROJECT_SECRET)')
    .option('--report <file>', 'batch report JSON (default: <output>/deid-report.json)')
    .option('--pseudonym-map <file>', 'persist sequential pseudonyms (keyed hashes only) in this file')
    .option('--no-iod-check', 'skip the dciodvfy comparison (not for production use)')
    .option('--no-pixel-stage', 'no OCR/pixel rules: quarantine every image that needs a pixel check')
    .exitOverride((error) => {
      if (error.exitCode === 0) throw error;
      throw new CommanderError(EXIT_USAGE, error.code, error.message);
    })
    .action(async (input: string, output: string, flags: DeidCommandOptions) => {
      process.exitCode = await runDeid(input, output, flags);
    });
}
