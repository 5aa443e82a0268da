import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createOcrPixelStage } from '@delineate/deid';
import { configFromEnv, openPlatform } from '@delineate/server';
import { ingestDicom, projectDeidSettings, redactQuarantined } from '@delineate/worker';
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

export function register(program: Command): void {
  program
    .command('ingest')
    .description('Ingest DICOM files into a project through the de-identification gate (OCR pixel check included); only passed files become items')
    .argument('<path>', 'a DICOM file or a folder of them')
    .requiredOption('--project <id>', 'the project id')
    .option('--json', 'print the report as JSON')
    .action(async (path: string, opts: { project: string; json?: boolean }) => {
      const config = configFromEnv(process.env);
      const { database, blobs } = await openPlatform(config, process.env);
      const pixelStage = createOcrPixelStage();
      const progress = progressReporter();
      try {
        const files: Uint8Array[] = [];
        for await (const file of filesUnder(path)) files.push(new Uint8Array(await readFile(file)));
        const deps = { database, blobs, clock: () => new Date() };
        const settings = await projectDeidSettings(deps, opts.project);
        const report = await ingestDicom(deps, files, { projectId: opts.project, ...settings, pixelStage, onProgress: (d, t) => progress.update('de-identify and verify', d, t) });
        progress.stop();
        if (opts.json) console.log(JSON.stringify(report, null, 2));
        else console.log(`${report.passed} passed, ${report.quarantined} quarantined; ${report.items.length} items recorded`);
        process.exitCode = report.quarantined > 0 ? 3 : 0;
      } finally {
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
      try {
        const report = await redactQuarantined({ database, blobs, clock: () => new Date() }, { projectId: opts.project, recordId, regions: opts.region }, pixelStage);
        console.log(report.passed ? `passed: recorded as item ${report.items[0]?.itemId ?? ''}` : 'still quarantined: text remains outside the redacted regions');
        process.exitCode = report.passed ? 0 : 3;
      } finally {
        await pixelStage.close();
        await blobs.close();
        await database.close();
      }
    });
}
