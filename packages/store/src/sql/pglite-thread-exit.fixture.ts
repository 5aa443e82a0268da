// Child process for pglite-thread.test.ts: opens a data folder's embedded database in its
// thread, runs a statement, prints the answer and returns without closing the database.
import { openDatabase } from './database';
import { sql } from 'kysely';

const database = await openDatabase({ dataDir: process.argv[2]!, pgliteThread: true });
const { rows } = await sql<{ answer: number }>`select 6 * 7 as answer`.execute(database.db);
console.log(`answer ${rows[0]!.answer}`);
