import { buildProgram, commandNames } from './program';
import { describeFailure } from './failure';

export { helpCatalog } from './program';

/**
 * Runs the CLI and resolves to the process exit code. Every command that stops says why in one
 * line on standard error (describeFailure); Commander is told not to print its own.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const first = argv[0];
  const command = first !== undefined && commandNames.includes(first) ? first : undefined;
  try {
    const program = await buildProgram(argv);
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    const failure = describeFailure(error, command);
    if (!failure) return error instanceof Error && 'exitCode' in error && typeof error.exitCode === 'number' ? error.exitCode : 0;
    process.stderr.write(`${failure.line}\n`);
    return failure.exitCode;
  }
}
