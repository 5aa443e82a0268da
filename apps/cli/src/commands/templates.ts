import type { Command } from 'commander';
import { labelSchemaTemplate, labelSchemaTemplates, schemaFromTemplate, type LabelSchemaTemplate } from '@delineate/schema';
import { LabelSchemaRepository, migrate, openDatabase } from '@delineate/store';
import { configFromEnv } from '@delineate/server';
import { usageError } from '../failure';
import { refuseBesideServer } from '../store-access';
import { commandSummary } from '../catalog';

/** One line per template version: id@version, label count and name. */
export function templateListing(templates: readonly LabelSchemaTemplate[]): string {
  return `${templates.map((t) => `${t.id}@${t.version}\t${t.labels.length} labels\t${t.name}`).join('\n')}\n`;
}

interface CreateFlags {
  readonly version?: string;
  readonly name?: string;
}

export function register(program: Command): void {
  const templates = program.command('templates').description(commandSummary('templates'));
  templates
    .command('list')
    .description('List the shipped templates and their versions')
    .option('--json', 'print the templates with their labels as JSON')
    .action((flags: { json?: boolean }) => {
      const all = labelSchemaTemplates();
      process.stdout.write(flags.json ? `${JSON.stringify(all, null, 2)}\n` : templateListing(all));
    });
  templates
    .command('create')
    .description('Create a label schema from a template (it records the template id and version); prints the new schema id')
    .argument('<template>', 'the template id, e.g. rt-head-neck')
    .option('--version <n>', 'the template version (default: the latest)')
    .option('--name <name>', "the schema's name (default: the template's)")
    .action(async (id: string, flags: CreateFlags) => {
      const version = flags.version === undefined ? undefined : Number(flags.version);
      if (version !== undefined && !(Number.isInteger(version) && version >= 1)) usageError('--version takes a whole number from 1');
      const template = labelSchemaTemplate(id, version);
      await refuseBesideServer('create the schema through the API (POST /api/label-schemas/from-template) or stop the server');
      const config = configFromEnv(process.env);
      const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
      try {
        await migrate(database.db);
        const schema = await new LabelSchemaRepository(database.db).create(schemaFromTemplate(template, flags.name));
        process.stdout.write(`${JSON.stringify({ id: schema.id, name: schema.name, version: schema.version, template: schema.template })}\n`);
      } finally {
        await database.close();
      }
    });
}
