import { join } from 'node:path';
import type { Command } from 'commander';
import { configFromEnv, openPlatform, PasswordHasher } from '@delineate/server';
import { refuseBesideServer } from '../store-access';
import { seedDemo, type DemoCredential, type DemoResult } from '../demo';
import { progressReporter } from '../progress';
import { commandSummary } from '../catalog';

export function printCredentials(result: DemoResult): void {
  if (!result.created) {
    console.log(`Demo project already present (${result.projectId}); its passwords were printed when it was created.`);
    return;
  }
  printPasswords(result.credentials);
}

export function printPasswords(credentials: readonly DemoCredential[]): void {
  console.log('\nDemo users (passwords are shown this once; only their argon2id hashes are stored):');
  for (const c of credentials) console.log(`  ${c.username.padEnd(18)} ${c.role.padEnd(20)} ${c.password}`);
  console.log('');
}

export function register(program: Command): void {
  program
    .command('demo')
    .description(commandSummary('demo'))
    .option('--slices <n>', 'phantom slices', (v) => Number.parseInt(v, 10), 128)
    .option('--size <n>', 'phantom rows and columns', (v) => Number.parseInt(v, 10), 512)
    .option('--slide-size <n>', 'side of the synthetic H&E slide in pixels (generated once, kept in <data>/demo-slides; default 20,480, 2,048 with --minimal)', (v) => Number.parseInt(v, 10))
    .option('--minimal', 'one phantom, no agreement sample, no seeded work and a small slide (a plain starting point for tests)')
    .action(async (opts: { slices: number; size: number; slideSize?: number; minimal?: boolean }) => {
      await refuseBesideServer('it seeds the demo project at its first start; stop it to seed again');
      const config = configFromEnv(process.env);
      const { database, blobs } = await openPlatform(config, process.env);
      const progress = progressReporter();
      try {
        const result = await seedDemo(
          { database, blobs, clock: () => new Date(), hasher: new PasswordHasher() },
          { slices: opts.slices, size: opts.size, minimal: opts.minimal === true, onProgress: progress.update, slideCacheDir: join(config.dataDir, 'demo-slides'), ...(opts.slideSize ? { slideSize: opts.slideSize } : {}) },
        );
        progress.stop();
        printCredentials(result);
      } finally {
        await blobs.close();
        await database.close();
      }
    });
}
