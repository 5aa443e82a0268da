import type { Command } from 'commander';
import { migrate, openDatabase } from '@delineate/store';
import { configFromEnv } from '@delineate/server';
import { refuseBesideServer } from '../store-access';
import { commandSummary } from '../catalog';

export function register(program: Command): void {
  program
    .command('migrate')
    .description(commandSummary('migrate'))
    .action(async () => {
      await refuseBesideServer('it migrated the database when it started');
      const config = configFromEnv(process.env);
      const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
      try {
        const result = await migrate(database.db);
        console.log(JSON.stringify({ database: database.kind, ...result }));
      } finally {
        await database.close();
      }
    });
}
