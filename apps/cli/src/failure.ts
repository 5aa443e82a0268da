import { CommanderError } from 'commander';
import { isDelineateError } from '@delineate/schema';

/** The exit codes of every command (docs/cli.md). */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** Some input files were quarantined or rejected (ingest, deid, redact). */
export const EXIT_NOT_ALL_PASSED = 3;
/** A server holds the data folder and the command could not go through it (no token, unreachable, or a command that needs the database itself). */
export const EXIT_SERVER = 4;
/** The server refused the credentials: the API token is unknown, expired, revoked, out of scope, or its user lacks the role. */
export const EXIT_REFUSED = 5;

function exitCodeOf(code: string): number {
  if (code === 'DLN_CLI_SERVER_RUNNING' || code === 'DLN_CLI_SERVER_UNREACHABLE') return EXIT_SERVER;
  if (code.startsWith('DLN_TOKEN_') || code.startsWith('DLN_AUTH_')) return EXIT_REFUSED;
  if (code === 'DLN_CLI_USAGE') return EXIT_USAGE;
  return EXIT_FAILED;
}

/**
 * Stops a command for a usage error (a missing secret, a bad value of an option): main prints
 * it as one line with DLN_CLI_USAGE and exits 2. Messages name the option, never a file's content.
 */
export function usageError(message: string): never {
  throw new CommanderError(EXIT_USAGE, 'delineate.usage', message);
}

/** Why a command stopped, as one line for standard error, and the exit code. */
export interface Failure {
  readonly line: string;
  readonly exitCode: number;
}

/** Node's system error codes we can name without quoting the message (which carries the path). */
const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'a file or folder does not exist',
  EACCES: 'permission denied on a file or folder',
  EPERM: 'the operation is not permitted',
  EISDIR: 'a folder was given where a file is expected',
  ENOTDIR: 'a file was given where a folder is expected',
  ENOSPC: 'no space left on the device',
  EMFILE: 'too many open files',
  EEXIST: 'a file already exists',
  EADDRINUSE: 'the address or port is already in use',
  ECONNREFUSED: 'a connection was refused',
};

/** Commander's own message without its "error: " prefix and trailing newline. */
function commanderText(message: string): string {
  return message.replace(/^error:\s*/i, '').split('\n')[0]?.trim() ?? '';
}

/**
 * The one place the CLI turns an error into what it prints: a line naming the command, the
 * reason and the DLN code, never a stack trace, and never the text of an unexpected error (a
 * file system message names the path, and paths of clinical files name patients). Returns
 * undefined for Commander's help and version exits, which have printed what they had to.
 */
export function describeFailure(error: unknown, command: string | undefined): Failure | undefined {
  const who = command ? `delineate ${command}` : 'delineate';
  if (error instanceof CommanderError) {
    if (error.exitCode === 0 || error.code === 'commander.help' || error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return undefined;
    const hint = command ? ` (see delineate ${command} --help)` : ' (see delineate --help)';
    return { line: `${who}: ${commanderText(error.message)} [DLN_CLI_USAGE]${hint}`, exitCode: EXIT_USAGE };
  }
  if (isDelineateError(error)) return { line: `${who}: ${firstLine(error.message)} [${error.code}]`, exitCode: exitCodeOf(error.code) };
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const known = code ? SYSTEM_ERRORS[code] : undefined;
  if (known) return { line: `${who}: ${known} (${code}) [DLN_INTERNAL]`, exitCode: EXIT_FAILED };
  return { line: `${who}: stopped by an unexpected error [DLN_INTERNAL]`, exitCode: EXIT_FAILED };
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? '';
}
