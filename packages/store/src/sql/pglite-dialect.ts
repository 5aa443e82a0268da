import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { Mutex } from './mutex';
import { PreparedStatements } from './pglite-statements';

/**
 * Kysely dialect over one embedded PGlite instance, running statements as named prepared
 * statements (pglite-statements.ts). PGlite is a single connection, so
 * acquiring a connection takes a FIFO lock that is held until Kysely releases it: a
 * transaction keeps the lock from BEGIN to COMMIT/ROLLBACK and nothing else interleaves.
 */
export class PGliteDialect implements Dialect {
  readonly #pglite: PGlite;
  readonly #prepared: boolean;

  /** `prepared: false` runs every statement through `PGlite.query` (parsed and planned each time): the benchmarks' reference. */
  constructor(pglite: PGlite, options: { prepared?: boolean } = {}) {
    this.#pglite = pglite;
    this.#prepared = options.prepared ?? true;
  }

  createDriver(): Driver {
    return new PGliteDriver(this.#pglite, this.#prepared);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

const BYTEA_OID = 17;

/*
 * bytea as hex through Buffer's native codec: PGlite's own converts byte by byte in JavaScript
 * (Array.from(...).map(...).join), which cost about 0.3 s per 0.5 MiB staged upload chunk.
 */
const QUERY_OPTIONS = {
  rowMode: 'object',
  serializers: {
    [BYTEA_OID]: (value: unknown): string => {
      if (!(value instanceof Uint8Array)) throw new Error('Invalid input for bytea type');
      return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
    },
  },
  parsers: {
    [BYTEA_OID]: (text: string): Uint8Array => {
      // Its own buffer, as PGlite's parser gives: never a view into Node's shared pool.
      const bytes = new Uint8Array((text.length - 2) / 2);
      Buffer.from(bytes.buffer).write(text.slice(2), 'hex');
      return bytes;
    },
  },
} as const;

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;
  readonly #prepared: boolean;
  #statements: PreparedStatements | undefined;

  constructor(pglite: PGlite, prepared: boolean) {
    this.#pglite = pglite;
    this.#prepared = prepared;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const parameters = [...compiledQuery.parameters];
    const result = this.#prepared
      ? await this.#preparedStatements().run(compiledQuery.sql, parameters)
      : await this.#pglite.query<R>(compiledQuery.sql, parameters, QUERY_OPTIONS);
    const command = result.command;
    const changed = command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
    const rows = result.rows as R[];
    return changed && result.affectedRows !== undefined ? { rows, numAffectedRows: BigInt(result.affectedRows) } : { rows };
  }

  /** Made at the first query: PGlite's parsers for array types exist once it is ready. */
  #preparedStatements(): PreparedStatements {
    this.#statements ??= new PreparedStatements(this.#pglite, {
      parsers: { ...(this.#pglite.parsers as Record<number, (text: string, typeId: number) => unknown>), ...QUERY_OPTIONS.parsers },
      serializers: { ...(this.#pglite.serializers as Record<number, (value: unknown) => string>), ...QUERY_OPTIONS.serializers },
    });
    return this.#statements;
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite driver does not stream; use executeQuery');
  }
}

class PGliteDriver implements Driver {
  readonly #pglite: PGlite;
  readonly #mutex = new Mutex();
  readonly #connection: PGliteConnection;
  #release: (() => void) | undefined;

  constructor(pglite: PGlite, prepared: boolean) {
    this.#pglite = pglite;
    this.#connection = new PGliteConnection(pglite, prepared);
  }

  async init(): Promise<void> {
    await this.#pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.#mutex.lock();
    this.#release = release;
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const modes: string[] = [];
    if (settings.isolationLevel) modes.push(`isolation level ${settings.isolationLevel}`);
    if (settings.accessMode) modes.push(settings.accessMode);
    await connection.executeQuery(CompiledQuery.raw(modes.length > 0 ? `begin ${modes.join(', ')}` : 'begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdentifier(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${quoteIdentifier(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${quoteIdentifier(name)}`));
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  async destroy(): Promise<void> {
    if (!this.#pglite.closed) await this.#pglite.close();
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
