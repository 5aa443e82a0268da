import { Command } from 'commander';
import { register as registerAgreement } from './commands/agreement';
import { register as registerAccessReview } from './commands/access-review';
import { register as registerAudit } from './commands/audit';
import { register as registerConsensus } from './commands/consensus';
import { register as registerDeid } from './commands/deid';
import { register as registerDemo } from './commands/demo';
import { register as registerMetrics } from './commands/metrics';
import { register as registerIngest } from './commands/ingest';
import { register as registerMigrate } from './commands/migrate';
import { register as registerReport } from './commands/report';
import { register as registerStart } from './commands/start';

/**
 * The `delineate` command. Each sub-command lives in `commands/<name>.ts` and exports
 * `register(program)`; add new ones to the list below.
 */
export function buildProgram(): Command {
  const program = new Command('delineate')
    .description('Delineate: clinical-grade segmentation annotation of medical images')
    .exitOverride()
    .showHelpAfterError();
  registerStart(program);
  registerDemo(program);
  registerMigrate(program);
  registerIngest(program);
  registerDeid(program);
  registerMetrics(program);
  registerAgreement(program);
  registerConsensus(program);
  registerAudit(program);
  registerAccessReview(program);
  registerReport(program);
  return program;
}
