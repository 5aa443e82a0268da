import type { PGlite } from '@electric-sql/pglite';
import { PreparedStatements, type StatementResult } from './pglite-statements';

/**
 * Where an embedded database's statements run: on a PGlite instance in this thread
 * ({@link localEngine}), or on one in a thread of its own (pglite-thread.ts), so a statement's
 * planning and execution in WebAssembly never holds up the thread that serves requests.
 * The dialect (pglite-dialect.ts) is the same over both.
 */
export interface PGliteEngine {
  /** Resolves once the database is open and ready. */
  ready(): Promise<void>;
  /** One statement; errors are PGlite's (a DatabaseError with its SQLSTATE code and fields). */
  run(sql: string, parameters: readonly unknown[]): Promise<StatementResult>;
  /** A consistent tar of the data folder (gzip-compressed unless 'none'). */
  dumpDataDir(compression: 'gzip' | 'none'): Promise<Uint8Array>;
  /** Closes the database; later statements are refused. */
  close(): Promise<void>;
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

/**
 * Statements on `pglite` in this thread: as named prepared statements (pglite-statements.ts), or
 * with `prepared: false` through `PGlite.query`, parsed and planned each time (the benchmarks' reference).
 */
export function localEngine(pglite: PGlite, options: { prepared?: boolean } = {}): PGliteEngine {
  const prepared = options.prepared ?? true;
  let statements: PreparedStatements | undefined;
  return {
    ready: () => pglite.waitReady,
    async run(sql, parameters) {
      if (!prepared) {
        const result = await pglite.query<Record<string, unknown>>(sql, [...parameters], QUERY_OPTIONS);
        return { rows: result.rows, command: (result as { command?: string }).command, affectedRows: result.affectedRows };
      }
      // Made at the first statement: PGlite's parsers for array types exist once it is ready.
      statements ??= new PreparedStatements(pglite, {
        parsers: { ...(pglite.parsers as Record<number, (text: string, typeId: number) => unknown>), ...QUERY_OPTIONS.parsers },
        serializers: { ...(pglite.serializers as Record<number, (value: unknown) => string>), ...QUERY_OPTIONS.serializers },
      });
      return statements.run(sql, parameters);
    },
    async dumpDataDir(compression) {
      return new Uint8Array(await (await pglite.dumpDataDir(compression)).arrayBuffer());
    },
    async close() {
      if (!pglite.closed) await pglite.close();
    },
  };
}
