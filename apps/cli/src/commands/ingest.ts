import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createDciodvfyValidator, createOcrPixelStage } from '@delineate/deid';
import { configFromEnv, openPlatform } from '@delineate/server';
import { ingestDicom, projectDeidSettings, redactQuarantined, type IngestReport } from '@delineate/worker';
import { RedactionRegion } from '@delineate/schema';
import { progressReporter } from '../progress';
import { usageError } from '../failure';

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
    const what = file.status === 'passed' ? (file.kept === 'study-object' ? 'non-image object of its study' : `item ${file.itemId ?? ''}`) : `${file.code ?? ''} ${file.reason ?? ''}`.trim();
    return `${file.status.padEnd(11)} #${file.index + 1} ${file.sourceSha256.slice(0, 16)}: ${what}`;
  });
  lines.push(`${report.passed} passed, ${report.quarantined} quarantined, ${report.rejected} rejected, ${report.duplicates} duplicates; ${report.items.length} items recorded`);
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('ingest')
    .description('Ingest DICOM files into a project through the de-identification gate (OCR pixel check included); only passed files become items')
    .argument('<path>', 'a DICOM file or a folder of them')
    .requiredOption('--project <id>', 'the project id')
    .option('--json', 'print the report as JSON')
    .option('--no-iod-check', 'skip the dciodvfy comparison (not for production use)')
    .action(async (path: string, opts: { project: string; json?: boolean; iodCheck: boolean }) => {
      const config = configFromEnv(process.env);
      const { database, blobs } = await openPlatform(config, process.env);
      const pixelStage = createOcrPixelStage();
      // The same IOD check as `delineate deid`: an output with errors its input lacked is quarantined.
      const validator = opts.iodCheck ? createDciodvfyValidator() : null;
      const progress = progressReporter();
      try {
        const files: Uint8Array[] = [];
        for await (const file of filesUnder(path)) files.push(new Uint8Array(await readFile(file)));
        const deps = { database, blobs, clock: () => new Date() };
        const settings = await projectDeidSettings(deps, opts.project);
        const report = await ingestDicom(deps, files, {
          projectId: opts.project,
          ...settings,
          pixelStage,
          validator,
          onProgress: (d, t) => progress.update('de-identify and verify', d, t),
        });
        progress.stop();
        if (opts.json) console.log(JSON.stringify(report, null, 2));
        else process.stdout.write(ingestSummary(report));
        process.exitCode = report.quarantined > 0 || report.rejected > 0 ? 3 : 0;
      } finally {
        validator?.close();
        await pixelStage.close();
        await blobs.close();
        await database.close();
      }
    });

  program
    .command('redact')
    .description('Blank rectangles on a quarantined file (data steward) and run it through the gate again')
    .argument('<record-id>', 'the quarantined DeidRecord id (see GET /api/projects/<id>/quarantine)')
    .requiredOption('--project <id>', 'the project id')
    .requiredOption('--region <x,y,width,height[,frame]>', 'a rectangle in pixels; repeat for several', parseRegion)
    .action(async (recordId: string, opts: { project: string; region: RedactionRegion[] }) => {
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
