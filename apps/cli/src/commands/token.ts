import type { Command } from 'commander';
import { DelineateError } from '@delineate/schema';
import { ApiTokens, apiTokenScopeNames, configFromEnv, parseApiTokenScopes, parseTokenLifetime, type ApiTokenView } from '@delineate/server';
import { migrate, openDatabase, type Database } from '@delineate/store';
import { usageError } from '../failure';
import { serverAsOperator } from '../store-access';
import { commandSummary } from '../catalog';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function withDatabase<T>(work: (database: Database) => Promise<T>): Promise<T> {
  const config = configFromEnv(process.env);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(database.db);
    return await work(database);
  } finally {
    await database.close();
  }
}

/** A usage error for what the caller typed wrong, before anything is asked of the store. */
function checked<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof DelineateError) usageError(error.message);
    throw error;
  }
}

function describeToken(token: ApiTokenView): string {
  const state = token.revokedAt ? `revoked ${token.revokedAt}` : `expires ${token.expiresAt}`;
  return `${token.id}  ${token.username}  ${token.scopes.join(',')}  ${state}  last used ${token.lastUsedAt ?? 'never'}  (${token.name})`;
}

/**
 * `delineate token`: API tokens for the CLI beside a running server and other clients. Through
 * the running server (its operator key in the data folder) when there is one, else on the
 * database directly; either way the token is printed once and stored only as its hash.
 */
export function register(program: Command): void {
  const token = program.command('token').description(commandSummary('token'));
  token
    .command('create')
    .description('Create a token for a user and print it once (it is stored only as a hash)')
    .requiredOption('--user <name>', 'the user name (e-mail address) the token acts as; it never exceeds that user\'s roles')
    .requiredOption('--scope <list>', `comma-separated scopes: ${apiTokenScopeNames.join(', ')}`)
    .option('--expires <lifetime>', 'lifetime in days (30d) or hours (12h), at most 365 days', '30d')
    .option('--name <text>', 'what the token is for')
    .option('--json', 'print the token and its record as JSON')
    .action(async (opts: { user: string; scope: string; expires: string; name?: string; json?: boolean }) => {
      const scopes = checked(() => parseApiTokenScopes(opts.scope));
      const lifetimeMs = checked(() => parseTokenLifetime(opts.expires));
      const server = await serverAsOperator();
      const created = server
        ? await server.json<{ token: string; record: ApiTokenView }>('POST', '/api/tokens', { user: opts.user, scopes, expires: opts.expires, ...(opts.name ? { name: opts.name } : {}) })
        : await withDatabase(async (database) => {
            const made = await new ApiTokens(database).create({ username: opts.user, scopes, lifetimeMs, ...(opts.name ? { name: opts.name } : {}), now: new Date() });
            return { token: made.token, record: made.view };
          });
      if (opts.json) console.log(JSON.stringify(created));
      else {
        console.log(created.token);
        process.stderr.write(`token ${created.record.id} for ${created.record.username} (${created.record.scopes.join(', ')}), expires ${created.record.expiresAt}; it is not shown again: set DELINEATE_API_TOKEN to it\n`);
      }
    });
  token
    .command('list')
    .description('Every token: id, user, scopes, expiry or revocation, last use (never the token)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const server = await serverAsOperator();
      const tokens = server ? (await server.json<{ tokens: ApiTokenView[] }>('GET', '/api/tokens')).tokens : await withDatabase((database) => new ApiTokens(database).list());
      console.log(opts.json ? JSON.stringify(tokens) : tokens.map(describeToken).join('\n') || 'no tokens');
    });
  token
    .command('revoke')
    .description('Revoke a token at once')
    .argument('<id>', 'the token id (see delineate token list)')
    .action(async (id: string) => {
      if (!UUID.test(id)) usageError('<id> is a token id (see delineate token list)');
      const server = await serverAsOperator();
      const revoked = server ? await server.json<ApiTokenView>('DELETE', `/api/tokens/${id}`) : await withDatabase((database) => new ApiTokens(database).revoke(id, new Date()));
      console.log(`revoked ${describeToken(revoked)}`);
    });
}
