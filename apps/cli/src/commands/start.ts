import { join } from 'node:path';
import type { Command } from 'commander';
import { configFromEnv, createServer, createTestClock, newOperatorKey, openPlatform, PasswordHasher, testClockEnabled } from '@delineate/server';
import { createWorker, preannotationOptionsFromEnv, promptPreviews } from '@delineate/worker';
import { seedDemo, type DemoDeps } from '../demo';
import { jobHandlers } from '../jobs';
import { createJobThreadPool, jobThreadsFromEnv } from '../workers/job-threads';
import { THREAD_JOB_KINDS } from '../workers/thread-jobs';
import { progressReporter } from '../progress';
import { printCredentials, printPasswords } from './demo';
import { serverIngest } from '../ingest-gate';
import { removeServerFile, writeServerFile } from '../running-server';
import { refuseBesideServer } from '../store-access';
import { commandSummary } from '../catalog';

async function seedWhileServing(deps: DemoDeps, slideCacheDir: string, stopping: () => boolean): Promise<void> {
  const progress = progressReporter();
  try {
    const result = await seedDemo(deps, {
      slideCacheDir,
      onProgress: (stage, done, total) => {
        if (stopping()) throw new Error('stopping'); // a shutdown ends the seeding between steps
        progress.update(stage, done, total);
      },
      onUsersCreated: (credentials) => {
        progress.stop();
        printPasswords(credentials);
        console.log('The demo images are being prepared; they appear in the work lists as each one is ready.');
      },
    });
    progress.stop();
    if (result.created) console.log('The demo data is ready.');
    else printCredentials(result);
  } catch (error) {
    progress.stop();
    if (!stopping()) console.error(`delineate: the demo could not be seeded: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function register(program: Command): void {
  program
    .command('start')
    .description(commandSummary('start'))
    .option('--port <n>', 'port to listen on (default PORT or 8080)', (v) => Number.parseInt(v, 10))
    .option('--host <host>', 'address to listen on (default HOST or 127.0.0.1)')
    .option('--no-demo', 'do not seed the demo project')
    .action(async (opts: { port?: number; host?: string; demo: boolean }) => {
      const config = configFromEnv(process.env, {
        ...(opts.port !== undefined ? { port: opts.port } : {}),
        ...(opts.host !== undefined ? { host: opts.host } : {}),
      });
      await refuseBesideServer('one server per data folder');
      // Browser tests move the server's time (an agreement expiring); never on a real server.
      const testClock = testClockEnabled(process.env) ? createTestClock() : undefined;
      const clock = testClock?.now ?? (() => new Date());
      const { database, blobs, key } = await openPlatform(config, process.env);
      // The CLI beside this server: ingest through it, and the key that lets it manage API tokens.
      const ingest = serverIngest({ database, blobs, clock });
      const operatorKey = newOperatorKey();
      // Live decoder outlines for promptable models, in this process: a drag cannot wait for a job.
      const previews = promptPreviews({ database, blobs, clock }, { threads: preannotationOptionsFromEnv(process.env).onnx?.threads });
      const server = await createServer({ config, database, blobs, clock, ingest: ingest.run, promptPreview: previews.preview, operatorKey, uploadKey: key, ...(testClock ? { testClock } : {}) });
      // The CPU-heavy kinds in job threads, so the API answers while they compute (off with DELINEATE_JOB_THREADS=0).
      const threading = jobThreadsFromEnv(process.env);
      const jobThreads = threading.on ? createJobThreadPool({ database, blobs, clock, ...(threading.timeoutMs ? { timeoutMs: threading.timeoutMs } : {}) }) : undefined;
      const worker = createWorker({
        database,
        blobs,
        clock,
        region: config.region,
        handlers: { ...jobHandlers(key), ...(jobThreads?.handlers(THREAD_JOB_KINDS) ?? {}) },
        audit: server.audit,
        onError: (job, summary) => server.app.log.warn({ jobId: job.id, kind: job.kind, summary }, 'job failed'),
      });
      let seeding: Promise<void> | undefined;
      let stopping = false;
      const shutdown = async (signal: string) => {
        server.app.log.info({ signal }, 'shutting down');
        stopping = true;
        // Seeding stops at its next step; a slide conversion in progress is not waited for long.
        if (seeding) await Promise.race([seeding, new Promise((r) => setTimeout(r, 5000).unref())]);
        await removeServerFile(config.dataDir);
        await worker.stop();
        await jobThreads?.close();
        await server.app.close();
        await ingest.close();
        await previews.close();
        await blobs.close();
        await database.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
      const address = await server.app.listen({ port: config.port, host: config.host });
      worker.start();
      jobThreads?.warm();
      await writeServerFile(config.dataDir, { url: address, pid: process.pid, startedAt: clock().toISOString(), operatorKey });
      console.log(`Delineate is running at ${address.replace('127.0.0.1', 'localhost')} (database: ${database.kind}, data: ${config.dataDir})`);
      // The demo is seeded while the server already serves: its users first (their passwords are
      // printed at once), then the images, which appear in the work lists as they are ingested.
      if (opts.demo) seeding = seedWhileServing({ database, blobs, clock, hasher: new PasswordHasher() }, join(config.dataDir, 'demo-slides'), () => stopping);
    });
}
