import { Command } from 'commander';
import { commandCatalog, type CommandName } from './catalog';

export type CommandModule = { register(program: Command): void };

/**
 * The `delineate` commands by the name typed first, each a module `commands/<file>.ts` that
 * exports `register(program)`. A module is loaded only when its command runs (or for the
 * overall help), so `delineate metrics` does not load the store, the server or the AWS SDK.
 */
const commandModules: Readonly<Record<CommandName, () => Promise<CommandModule>>> = {
  start: () => import('./commands/start'),
  demo: () => import('./commands/demo'),
  migrate: () => import('./commands/migrate'),
  ingest: () => import('./commands/ingest'),
  redact: () => import('./commands/ingest'),
  deid: () => import('./commands/deid'),
  metrics: () => import('./commands/metrics'),
  agreement: () => import('./commands/agreement'),
  consensus: () => import('./commands/consensus'),
  audit: () => import('./commands/audit'),
  'access-review': () => import('./commands/access-review'),
  report: () => import('./commands/report'),
  'import-mask': () => import('./commands/import-mask'),
  release: () => import('./commands/release'),
  token: () => import('./commands/token'),
  trace: () => import('./commands/release'),
  templates: () => import('./commands/templates'),
  backup: () => import('./commands/backup'),
  restore: () => import('./commands/backup'),
};

/**
 * The module file (`commands/<file>.ts`) of each command, as in commandModules. The bundle
 * builder makes one self-contained bundle per file (bin/bundle.mjs), and the launcher picks it by
 * the command typed first: shared chunks would carry what any other command needs (the server).
 */
export const commandFiles: Readonly<Record<CommandName, string>> = {
  start: 'start',
  demo: 'demo',
  migrate: 'migrate',
  ingest: 'ingest',
  redact: 'ingest',
  deid: 'deid',
  metrics: 'metrics',
  agreement: 'agreement',
  consensus: 'consensus',
  audit: 'audit',
  'access-review': 'access-review',
  report: 'report',
  'import-mask': 'import-mask',
  release: 'release',
  token: 'token',
  trace: 'release',
  templates: 'templates',
  backup: 'backup',
  restore: 'backup',
};

/** From commandFiles, not commandModules: naming the commands must not reach every module. */
export const commandNames: readonly string[] = Object.keys(commandFiles);

/**
 * The `delineate` program. With `argv`, only the module of the command named first is loaded;
 * when it names none (`--help`, an unknown command) no module is: the commands are listed from
 * the catalog, which is all the overall help and Commander's "unknown command" need. Without
 * `argv`, every command's module.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = emptyProgram();
  const first = argv?.[0];
  if (argv !== undefined && !isCommandName(first)) {
    for (const [name, summary] of Object.entries(commandCatalog)) program.command(name).description(summary);
    return program;
  }
  const loaders = isCommandName(first) ? [commandModules[first]] : Object.values(commandModules);
  const modules = new Set<CommandModule>(); // one module may name two commands (ingest, redact)
  for (const load of loaders) modules.add(await load());
  for (const module of modules) module.register(program);
  return program;
}

/** The program with the commands of one module, already loaded (a per-command bundle's). */
export function programOf(module: CommandModule): Command {
  const program = emptyProgram();
  module.register(program);
  return program;
}

function emptyProgram(): Command {
  const program = new Command('delineate')
    .description('Delineate: clinical-grade segmentation annotation of medical images')
    .exitOverride()
    // Parse errors are thrown and printed once, as one line, by main (describeFailure).
    .configureOutput({ outputError: () => undefined });
  // For the start-up bench: how long the process took to reach the command's first line of work.
  if (process.env.DELINEATE_STARTUP_TIMING === '1') {
    program.hook('preAction', (_, action) => void process.stderr.write(`delineate: ${action.name()} reached its action ${Math.round(performance.now())} ms after the process started\n`));
  }
  return program;
}

function isCommandName(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(commandModules, name);
}

/**
 * The help text of every command path ('' for the overall help, 'audit', 'audit verify', …),
 * as Commander prints it. The bundle builder stores it beside the bundle (help.json) so that
 * `<command> --help` is answered without loading the command's module, which loads the store.
 */
export async function helpCatalog(): Promise<Record<string, string>> {
  const texts: Record<string, string> = { '': (await buildProgram(['--help'])).helpInformation() };
  const walk = (command: Command, path: readonly string[]) => {
    for (const sub of command.commands) {
      const subPath = [...path, sub.name()];
      texts[subPath.join(' ')] = sub.helpInformation();
      walk(sub, subPath);
    }
  };
  walk(await buildProgram(), []);
  return texts;
}
