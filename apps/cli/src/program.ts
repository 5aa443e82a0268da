import { Command } from 'commander';
import { register as registerDeid } from './commands/deid';

/**
 * The `delineate` command. Each sub-command lives in `commands/<name>.ts` and exports
 * `register(program)`; add new ones to the list below.
 */
export function buildProgram(): Command {
  const program = new Command('delineate')
    .description('Delineate: clinical-grade segmentation annotation of medical images')
    .exitOverride()
    .showHelpAfterError();
  registerDeid(program);
  return program;
}
