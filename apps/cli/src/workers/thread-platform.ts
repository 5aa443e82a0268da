import type { MessagePort } from 'node:worker_threads';
import { CompiledQuery, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type DatabaseConnection, type Dialect, type Driver, type QueryResult, type TransactionSettings } from 'kysely';
import { fromThreadError, toThreadError, type BlobStore, type Database, type DatabaseKind, type ThreadError } from '@delineate/store';

/**
 * The database and blob store of the serving thread, lent to a job thread over a MessagePort.
 * The embedded PGlite belongs to one thread, so a job thread cannot open it: its statements are
 * sent here and run on a connection held for it (a transaction keeps its connection from BEGIN
 * to COMMIT, as Kysely's own drivers do). Only SQL and blob reads and writes cross; the job's
 * computing stays in its thread, so this thread keeps answering requests.
 */

type Request =
  | { id: number; op: 'acquire' }
  | { id: number; op: 'query'; session: number; sql: string; parameters: unknown[] }
  | { id: number; op: 'release'; session: number }
  | { id: number; op: 'blob'; method: BlobMethod; args: unknown[] };

/** A request before its id is given (distributed over the union's members). */
type Unsent<T> = T extends unknown ? Omit<T, 'id'> : never;

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ThreadError };

const BLOB_METHODS = ['put', 'get', 'getParts', 'has', 'stat', 'list'] as const;
type BlobMethod = (typeof BLOB_METHODS)[number];

/** What a job thread needs to build its side: plain data. */
export interface LentPlatform {
  readonly kind: DatabaseKind;
  readonly region: string;
  readonly location: string;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A platform lent over a port: what the job thread is given, and how to take it back. */
export interface Lending {
  readonly platform: LentPlatform;
  /**
   * Closes the port, rolls back and gives back every connection the job thread holds, and any it
   * asked for that is given later; resolves once the held ones are back (a job's end is recorded
   * after its thread's connections are free: on PGlite they are the only one).
   */
  revoke(): Promise<void>;
}

/** Serves `port` from this thread until it closes or is revoked. */
export function lendPlatform(port: MessagePort, database: Database, blobs: BlobStore): Lending {
  const sessions = new Map<number, { connection: DatabaseConnection; release: () => void }>();
  let nextSession = 1;
  let revoked: Promise<void> | undefined;
  const reply = (message: Reply) => {
    try {
      port.postMessage(message);
    } catch (error) {
      // A value that cannot cross (structured clone) must still answer, or the job thread waits forever.
      if (message.ok) port.postMessage({ id: message.id, ok: false, error: toThreadError(error) } satisfies Reply);
    }
  };
  const handle = async (request: Request): Promise<unknown> => {
    switch (request.op) {
      case 'acquire': {
        const session = nextSession++;
        await new Promise<void>((acquired, failed) => {
          database.db
            .getExecutor()
            .provideConnection(
              (connection) =>
                new Promise<void>((release) => {
                  // Given after the thread ended (it waited behind another holder, or for the pool):
                  // nobody will release it, so it goes straight back.
                  if (revoked) {
                    release();
                    failed(new Error('the job thread ended before its connection was given'));
                    return;
                  }
                  sessions.set(session, { connection, release });
                  acquired();
                }),
            )
            .catch(failed);
        });
        return session;
      }
      case 'query': {
        const held = sessions.get(request.session);
        if (!held) throw new Error('the job thread used a connection it had released');
        return held.connection.executeQuery(CompiledQuery.raw(request.sql, request.parameters));
      }
      case 'release':
        sessions.get(request.session)?.release();
        sessions.delete(request.session);
        return undefined;
      case 'blob': {
        if (!BLOB_METHODS.includes(request.method)) throw new Error('not a blob store method');
        if (request.method === 'list') {
          const hashes: string[] = [];
          for await (const hash of blobs.list()) hashes.push(hash);
          return hashes;
        }
        return (blobs[request.method] as (...args: unknown[]) => Promise<unknown>)(...request.args);
      }
    }
  };
  port.on('message', (request: Request) => {
    if (revoked) return;
    handle(request).then(
      (value) => reply({ id: request.id, ok: true, value }),
      (error: unknown) => reply({ id: request.id, ok: false, error: toThreadError(error) }),
    );
  });
  const revoke = (): Promise<void> => {
    revoked ??= (async () => {
      port.close();
      const held = [...sessions.values()];
      sessions.clear();
      // A thread that ended mid-transaction must not keep a connection (PGlite's only one).
      await Promise.all(held.map(({ connection, release }) => connection.executeQuery(CompiledQuery.raw('rollback')).catch(() => undefined).finally(release)));
    })();
    return revoked;
  };
  port.on('close', () => void revoke());
  return { platform: { kind: database.kind, region: blobs.region, location: blobs.location }, revoke };
}

/** The job thread's side: a Database and a BlobStore whose work is done by the lending thread. */
export function borrowPlatform(port: MessagePort, lent: LentPlatform): { database: Database; blobs: BlobStore } {
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  port.on('message', (message: Reply) => {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.ok) waiter?.resolve(message.value);
    else waiter?.reject(fromThreadError(message.error));
  });
  // Withdrawn (the job ended or timed out): nothing waiting will be answered.
  port.on('close', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('the lent platform was withdrawn'));
    pending.clear();
  });
  const call = <T>(request: Unsent<Request>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      port.postMessage({ ...request, id });
    });

  class LentConnection implements DatabaseConnection {
    constructor(readonly session: number) {}
    executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      return call<QueryResult<R>>({ op: 'query', session: this.session, sql: query.sql, parameters: [...query.parameters] });
    }
    async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
      throw new Error('a job thread does not stream queries');
    }
  }
  const raw = (connection: DatabaseConnection, sql: string) => connection.executeQuery(CompiledQuery.raw(sql)).then(() => undefined);
  const driver: Driver = {
    init: async () => undefined,
    acquireConnection: async () => new LentConnection(await call<number>({ op: 'acquire' })),
    beginTransaction: (connection, settings: TransactionSettings) => {
      const modes = [...(settings.isolationLevel ? [`isolation level ${settings.isolationLevel}`] : []), ...(settings.accessMode ? [settings.accessMode] : [])];
      return raw(connection, modes.length > 0 ? `begin ${modes.join(', ')}` : 'begin');
    },
    commitTransaction: (connection) => raw(connection, 'commit'),
    rollbackTransaction: (connection) => raw(connection, 'rollback'),
    savepoint: (connection, name) => raw(connection, `savepoint ${quoteIdentifier(name)}`),
    rollbackToSavepoint: (connection, name) => raw(connection, `rollback to savepoint ${quoteIdentifier(name)}`),
    releaseSavepoint: (connection, name) => raw(connection, `release savepoint ${quoteIdentifier(name)}`),
    releaseConnection: async (connection) => void (await call({ op: 'release', session: (connection as LentConnection).session })),
    destroy: async () => undefined,
  };
  const dialect: Dialect = {
    createDriver: () => driver,
    createQueryCompiler: () => new PostgresQueryCompiler(),
    createAdapter: () => new PostgresAdapter(),
    createIntrospector: (db) => new PostgresIntrospector(db),
  };
  const db = new Kysely({ dialect }) as Database['db'];
  const blob = <T>(method: BlobMethod, ...args: unknown[]) => call<T>({ op: 'blob', method, args });
  const blobs: BlobStore = {
    region: lent.region,
    location: lent.location,
    put: (bytes, options) => blob('put', bytes, options),
    get: (hash) => blob('get', hash),
    getParts: (hash, parts) => blob('getParts', hash, parts),
    has: (hash) => blob('has', hash),
    stat: (hash) => blob('stat', hash),
    list: () => ({
      async *[Symbol.asyncIterator]() {
        yield* await blob<string[]>('list');
      },
    }),
    close: async () => undefined,
  };
  return { database: { db, kind: lent.kind, close: () => db.destroy() }, blobs };
}
