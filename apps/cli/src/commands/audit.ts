import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { DelineateError } from '@delineate/schema';
import { EXIT_FAILED, EXIT_USAGE, usageError } from '../failure';
import { refuseBesideServer, serverForCommand } from '../store-access';
import { configFromEnv } from '@delineate/server';
import { AuditLog, auditEventsToDicomXml, auditEventsToFhirBundle, migrate, openDatabase, type Database } from '@delineate/store';

import { verifyAudit, type AuditVerifyReport } from '@delineate/server';
import { commandSummary } from '../catalog';

export { verifyAudit, type AuditVerifyReport };

/** A PEM file is read here, so a server given the key reads no path of the caller's. */
async function publicKeyText(value: string): Promise<string> {
  if (value.includes('-----BEGIN') || /^[A-Za-z0-9+/=\s]+$/.test(value)) return value;
  return readFile(value, 'utf8').catch(() => usageError('--public-key: the file cannot be read'));
}

export function describeVerifyResult(result: AuditVerifyReport): string {
  const lines: string[] = [];
  lines.push(
    result.keyFingerprint
      ? `audit public key ${result.keyFingerprint} (${result.keySource === 'given' ? 'given with --public-key' : 'from the data folder'}); record this fingerprint outside the data folder`
      : 'audit public key: none found',
  );
  lines.push(`anchor: ${result.anchor ?? 'none'}${result.anchorCheckpoints !== undefined ? ` (${result.anchorCheckpoints} checkpoints)` : ''}`);
  for (const warning of result.warnings) lines.push(`WARNING: ${warning}`);
  if (result.ok) {
    const unanchored =
      result.unanchoredRows === undefined
        ? ''
        : `; ${result.unanchoredRows} row(s) after the last ${result.anchor ? 'anchored ' : ''}checkpoint are not yet anchored`;
    lines.push(`audit log verified: ${result.rowsChecked} rows, last sequence ${result.lastSequence}, ${result.checkpointsChecked} signed checkpoints match${unanchored}`);
  } else {
    lines.push(`audit log FAILED verification [${result.code}] ${result.reason}: first bad sequence ${result.firstBadSequence} (${result.problem}); ${result.rowsChecked} rows verified before it`);
  }
  return lines.join('\n');
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
  const audit = program.command('audit').description(commandSummary('audit'));
  audit
    .command('verify')
    .description('Recompute the hash chain from the first row, check it against the signed checkpoints, the anchor and the checkpoint policy, and name the first bad sequence number')
    .option('--public-key <key>', 'the Ed25519 public key to check signatures with, given apart from the data folder: a PEM file, PEM text or base64 SPKI')
    .option('--anchor <place>', 'the anchor to compare with (a file path or s3:// URL); default DELINEATE_AUDIT_ANCHOR')
    .option('--strict', 'fail unless both --public-key and an anchor are given')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean; publicKey?: string; anchor?: string; strict?: boolean }) => {
      const given = {
        ...(options.publicKey !== undefined ? { publicKey: await publicKeyText(options.publicKey) } : {}),
        ...(options.anchor !== undefined ? { anchor: options.anchor } : {}),
        ...(options.strict ? { strict: true } : {}),
      };
      const server = await serverForCommand('audit:read');
      let result: AuditVerifyReport;
      try {
        result = server ? await server.json<AuditVerifyReport>('POST', '/api/audit/verification', given) : await withDatabase((database, dataDir) => verifyAudit(database, dataDir, given));
      } catch (error) {
        // A bad key, an anchor inside the data folder or one that cannot be read: say which, exit 2.
        if (!(error instanceof DelineateError) || /^DLN_(CLI|TOKEN|AUTH)_/.test(error.code)) throw error;
        console.error(`delineate audit verify: the audit log could not be verified: ${error.message.split('\n')[0]} [${error.code}]`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      console.log(options.json ? JSON.stringify(result) : describeVerifyResult(result));
      if (!result.ok) process.exitCode = EXIT_FAILED;
    });
  audit
    .command('export')
    .description('Export the events of a time range as FHIR AuditEvent (IHE BALP) JSON or DICOM audit messages (PS3.15 A.5) XML')
    .requiredOption('--from <time>', 'start of the range (inclusive), ISO 8601')
    .requiredOption('--to <time>', 'end of the range (exclusive), ISO 8601')
    .option('--format <format>', 'fhir or dicom', 'fhir')
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (options: { from: string; to: string; format: string; out?: string }) => {
      if (options.format !== 'fhir' && options.format !== 'dicom') usageError('--format must be fhir or dicom');
      await refuseBesideServer('export a project\'s events with GET /api/projects/<id>/audit/export, or stop the server to export the whole log');
      const range = { from: parseInstant(options.from, '--from'), to: parseInstant(options.to, '--to') };
      const text = await withDatabase((database) => exportAudit(database, range, options.format as AuditExportFormat));
      if (options.out) await writeFile(options.out, text, { mode: 0o600 });
      else process.stdout.write(text);
    });
}
