import { DelineateError } from '@delineate/schema';
import { configFromEnv } from '@delineate/server';
import { findRunningServer, type ServerFile } from './running-server';
import { API_TOKEN_ENV, ServerClient } from './server-client';

function where(server: ServerFile): string {
  return `pid ${server.pid}, ${server.url}`;
}

/**
 * How a store command reaches the data: undefined when no server runs on the data folder (the
 * command opens the database itself, as always), else a client of that server presenting the
 * API token of DELINEATE_API_TOKEN. Without a token it stops with one line saying how to get one.
 */
export async function serverForCommand(scope: string, env: NodeJS.ProcessEnv = process.env): Promise<ServerClient | undefined> {
  const server = await findRunningServer(configFromEnv(env).dataDir);
  if (!server) return undefined;
  const token = env[API_TOKEN_ENV]?.trim();
  if (!token) {
    throw new DelineateError(
      'DLN_CLI_SERVER_RUNNING',
      `A server is running on this data folder (${where(server)}): set ${API_TOKEN_ENV} to a token from \`delineate token create --user <you> --scope ${scope}\`, or stop the server`,
    );
  }
  return new ServerClient(server, token);
}

/** For token management: the operator key of the running server, or undefined to work directly. */
export async function serverAsOperator(env: NodeJS.ProcessEnv = process.env): Promise<ServerClient | undefined> {
  const server = await findRunningServer(configFromEnv(env).dataDir);
  return server ? new ServerClient(server, server.operatorKey) : undefined;
}

/**
 * Commands that only work on the database itself stop with one line when a server holds it,
 * instead of the embedded database's lock error.
 */
export async function refuseBesideServer(what: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const server = await findRunningServer(configFromEnv(env).dataDir);
  if (server) throw new DelineateError('DLN_CLI_SERVER_RUNNING', `A server is running on this data folder (${where(server)}): ${what}`);
}
