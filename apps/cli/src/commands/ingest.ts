import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createDciodvfyValidator, createOcrPixelStage } from '@delineate/deid';
import { configFromEnv, encodeFileBatch, openPlatform } from '@delineate/server';
import { redactQuarantined, type IngestReport } from '@delineate/worker';
import { RedactionRegion } from '@delineate/schema';
import { progressReporter } from '../progress';
import { EXIT_NOT_ALL_PASSED, usageError } from '../failure';
import { gateTools, runIngest } from '../ingest-gate';
import { mergeIngestReports, planRemoteBatches } from '../remote-ingest';
import { refuseBesideServer, serverForCommand } from '../store-access';
import { commandSummary } from '../catalog';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function* filesUnder(path: string): AsyncGenerator<string> {
  const info = await stat(path);
  if (info.isFile()) {
    yield path;
    return;
  }
  for (const entry of (await readdir(path)).sort()) yield* filesUnder(join(path, entry));
}

function parseRegion(text: string, previous: RedactionRegion[] = []): RedactionRegion[] {
  const [x, y, width, height, frame] = text.split(',').map((v) => Number.parseInt(v, 10));
  const parsed = RedactionRegion.safeParse({ x, y, width, height, ...(frame !== undefined ? { frame } : {}) });
  if (!parsed.success) usageError('--region takes x,y,width,height[,frame] in pixels');
  return [...previous, parsed.data];
}

/**
 * One line per input file (its position and the start of its SHA-256, never its path or a
 * value from it), then the counts.
 */
export function ingestSummary(report: IngestReport): string {
  const lines = report.files.map((file) => {
    const kept = file.kept === 'study-object' ? 'non-image object of its study' : file.kept === 'slide' ? `slide item ${file.itemId ?? ''}` : `item ${file.itemId ?? ''}`;
    const what = file.status === 'passed' ? kept : `${file.code ?? ''} ${file.reason ?? ''}`.trim();
    return `${file.status.padEnd(11)} #${file.index + 1} ${file.sourceSha256.slice(0, 16)}: ${what}`;
  });
  lines.push(`${report.passed} passed, ${report.quarantined} quarantined, ${report.rejected} rejected, ${report.duplicates} duplicates; ${report.items.length + (report.slides?.length ?? 0)} items recorded`);
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('ingest')
    .description(commandSummary('ingest'))
    .argument('<path>', 'a DICOM or slide file, or a folder of them')
    .requiredOption('--project <id>', 'the project id')
    .option('--json', 'print the report as JSON')
    .option('--no-iod-check', 'skip the dciodvfy comparison (not for production use; not through a server)')
    .action(async (path: string, opts: { project: string; json?: boolean; iodCheck: boolean }) => {
      const files: Uint8Array[] = [];
      for await (const file of filesUnder(path)) files.push(new Uint8Array(await readFile(file)));
      const server = await serverForCommand('ingest');
      let report: IngestReport;
      if (server) {
        if (!opts.iodCheck) usageError('--no-iod-check is not available through a running server, which always runs the IOD check');
        if (!UUID.test(opts.project)) usageError('--project takes a project id');
        const parts = [];
        for (const indices of planRemoteBatches(files)) {
          const batch = indices.map((i) => files[i]!);
          parts.push({ indices, report: await server.binary<IngestReport>(`/api/projects/${opts.project}/ingest`, encodeFileBatch(batch)) });
        }
        report = mergeIngestReports(parts);
      } else {
        const config = configFromEnv(process.env);
        const { database, blobs } = await openPlatform(config, process.env);
        const tools = gateTools({ iodCheck: opts.iodCheck });
        const progress = progressReporter();
        try {
          report = await runIngest(
            { database, blobs, clock: () => new Date() },
            tools,
            opts.project,
            files,
            (d, t) => progress.update('de-identify and verify', d, t),
            (stage, percent) => progress.update(`slide: ${stage}`, percent, 100),
          );
          progress.stop();
        } finally {
          await tools.close();
          await blobs.close();
          await database.close();
        }
      }
      if (opts.json) console.log(JSON.stringify(report, null, 2));
      else process.stdout.write(ingestSummary(report));
      process.exitCode = report.quarantined > 0 || report.rejected > 0 ? EXIT_NOT_ALL_PASSED : 0;
    });

  program
    .command('redact')
    .description(commandSummary('redact'))
    .argument('<record-id>', 'the quarantined DeidRecord id (see GET /api/projects/<id>/quarantine)')
    .requiredOption('--project <id>', 'the project id')
    .requiredOption('--region <x,y,width,height[,frame]>', 'a rectangle in pixels; repeat for several', parseRegion)
    .action(async (recordId: string, opts: { project: string; region: RedactionRegion[] }) => {
      await refuseBesideServer('redact through the web app (POST /api/deid-records/<id>/redactions), or stop the server');
      const config = configFromEnv(process.env);
      const { database, blobs } = await openPlatform(config, process.env);
      const pixelStage = createOcrPixelStage();
      const validator = createDciodvfyValidator();
      try {
        const report = await redactQuarantined({ database, blobs, clock: () => new Date() }, { projectId: opts.project, recordId, regions: opts.region }, pixelStage, validator);
        const file = report.files[0];
        if (file?.status === 'passed') console.log(`passed: recorded as item ${report.items[0]?.itemId ?? ''}`);
        else if (file?.status === 'quarantined') console.log('still quarantined: text remains outside the redacted regions');
        else process.stdout.write(ingestSummary(report));
        process.exitCode = report.passed ? 0 : 3;
      } finally {
        validator.close();
        await pixelStage.close();
        await blobs.close();
        await database.close();
      }
    });
}
