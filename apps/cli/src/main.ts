import type { Command } from 'commander';
import { buildProgram, commandNames, programOf, type CommandModule } from './program';
import { describeFailure } from './failure';

export { commandFiles, helpCatalog } from './program';

/**
 * Runs the CLI and resolves to the process exit code. Every command that stops says why in one
 * line on standard error (describeFailure); Commander is told not to print its own.
 */
export async function main(argv: readonly string[]): Promise<number> {
  return run(argv, () => buildProgram(argv));
}

/**
 * main with one command module bundled in: the entry of a per-command bundle (bin/bundle.mjs),
 * which the launcher runs when that module's command is typed first.
 */
export function commandMain(module: CommandModule): (argv: readonly string[]) => Promise<number> {
  return (argv) => run(argv, async () => programOf(module));
}

async function run(argv: readonly string[], programFor: () => Promise<Command>): Promise<number> {
  const first = argv[0];
  const command = first !== undefined && commandNames.includes(first) ? first : undefined;
  try {
    const program = await programFor();
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    const failure = describeFailure(error, command);
    if (!failure) return error instanceof Error && 'exitCode' in error && typeof error.exitCode === 'number' ? error.exitCode : 0;
    process.stderr.write(`${failure.line}\n`);
    return failure.exitCode;
  }
}
