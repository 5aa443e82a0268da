import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { usageError } from '../failure';
import { configFromEnv } from '@delineate/server';
import {
  AuditLog,
  auditEventsToDicomXml,
  auditEventsToFhirBundle,
  loadAuditPublicKey,
  migrate,
  openDatabase,
  type AuditVerifyResult,
  type Database,
} from '@delineate/store';

/** Recomputes the audit chain from the first row and checks it against the signed checkpoints. */
export async function verifyAudit(database: Database, dataDir: string): Promise<AuditVerifyResult> {
  const publicKey = await loadAuditPublicKey(dataDir);
  return new AuditLog(database.db, { now: () => new Date() }).verify(dataDir, { publicKey });
}

export function describeVerifyResult(result: AuditVerifyResult): string {
  if (result.ok) {
    return `audit log verified: ${result.rowsChecked} rows, last sequence ${result.lastSequence}, ${result.checkpointsChecked} signed checkpoints match`;
  }
  return `audit log FAILED verification: first bad sequence ${result.firstBadSequence} (${result.problem}); ${result.rowsChecked} rows verified before it`;
}

export type AuditExportFormat = 'fhir' | 'dicom';

export async function exportAudit(database: Database, range: { from: Date; to: Date }, format: AuditExportFormat): Promise<string> {
  const rows = await new AuditLog(database.db, { now: () => new Date() }).range(range.from, range.to);
  const source = { sourceId: hostname() };
  return format === 'fhir' ? `${JSON.stringify(auditEventsToFhirBundle(rows, source), null, 2)}\n` : auditEventsToDicomXml(rows, source);
}

async function withDatabase<T>(work: (database: Database, dataDir: string) => Promise<T>): Promise<T> {
  const config = configFromEnv(process.env);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(database.db);
    return await work(database, config.dataDir);
  } finally {
    await database.close();
  }
}

function parseInstant(value: string, name: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) usageError(`${name} must be an ISO 8601 date or time`);
  return date;
}

export function register(program: Command): void {
  const audit = program.command('audit').description('The tamper-evident audit log');
  audit
    .command('verify')
    .description('Recompute the hash chain from the first row, check it against the last signed checkpoint, and name the first bad sequence number')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const result = await withDatabase((database, dataDir) => verifyAudit(database, dataDir));
      console.log(options.json ? JSON.stringify(result) : describeVerifyResult(result));
      if (!result.ok) process.exitCode = 1;
    });
  audit
    .command('export')
    .description('Export the events of a time range as FHIR AuditEvent (IHE BALP) JSON or DICOM audit messages (PS3.15 A.5) XML')
    .requiredOption('--from <time>', 'start of the range (inclusive), ISO 8601')
    .requiredOption('--to <time>', 'end of the range (exclusive), ISO 8601')
    .option('--format <format>', 'fhir or dicom', 'fhir')
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (options: { from: string; to: string; format: string; out?: string }) => {
      if (options.format !== 'fhir' && options.format !== 'dicom') {
        console.error('--format must be fhir or dicom');
        process.exitCode = 2;
        return;
      }
      const range = { from: parseInstant(options.from, '--from'), to: parseInstant(options.to, '--to') };
      const text = await withDatabase((database) => exportAudit(database, range, options.format as AuditExportFormat));
      if (options.out) await writeFile(options.out, text, { mode: 0o600 });
      else process.stdout.write(text);
    });
}
