import { join } from 'node:path';
import type { Command } from 'commander';
import { configFromEnv, createServer, newOperatorKey, openPlatform, PasswordHasher } from '@delineate/server';
import { createWorker } from '@delineate/worker';
import { seedDemo } from '../demo';
import { jobHandlers } from '../jobs';
import { progressReporter } from '../progress';
import { printCredentials } from './demo';
import { serverIngest } from '../ingest-gate';
import { removeServerFile, writeServerFile } from '../running-server';
import { refuseBesideServer } from '../store-access';
import { commandSummary } from '../catalog';

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
      const clock = () => new Date();
      const { database, blobs, key } = await openPlatform(config, process.env);
      if (opts.demo) {
        const progress = progressReporter();
        const result = await seedDemo({ database, blobs, clock, hasher: new PasswordHasher() }, { onProgress: progress.update, slideCacheDir: join(config.dataDir, 'demo-slides') });
        progress.stop();
        if (result.created) printCredentials(result);
      }
      // The CLI beside this server: ingest through it, and the key that lets it manage API tokens.
      const ingest = serverIngest({ database, blobs, clock });
      const operatorKey = newOperatorKey();
      const server = await createServer({ config, database, blobs, clock, ingest: ingest.run, operatorKey, uploadKey: key });
      const worker = createWorker({
        database,
        blobs,
        clock,
        region: config.region,
        handlers: jobHandlers(key),
        audit: server.audit,
        onError: (job, summary) => server.app.log.warn({ jobId: job.id, kind: job.kind, summary }, 'job failed'),
      });
      const shutdown = async (signal: string) => {
        server.app.log.info({ signal }, 'shutting down');
        await removeServerFile(config.dataDir);
        await worker.stop();
        await server.app.close();
        await ingest.close();
        await blobs.close();
        await database.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
      const address = await server.app.listen({ port: config.port, host: config.host });
      worker.start();
      await writeServerFile(config.dataDir, { url: address, pid: process.pid, startedAt: clock().toISOString(), operatorKey });
      console.log(`Delineate is running at ${address.replace('127.0.0.1', 'localhost')} (database: ${database.kind}, data: ${config.dataDir})`);
    });
}
