import { sql, type Kysely } from 'kysely';
import type { DB } from '../sql/tables';

/** Failed sign-ins by (account, address), in the database so every server sees the same counts. */
export class LoginFailureRepository {
  readonly #db: Kysely<DB>;

  constructor(db: Kysely<DB>) {
    this.#db = db;
  }

  /** Failures of the pair since `since` (count and latest) and of the address since `since`. */
  async recent(account: string, address: string, since: Date): Promise<{ pairFailures: number; pairLast: Date | null; addressFailures: number; addressFirst: Date | null }> {
    const result = await sql<{ pair_failures: string | number; pair_last: Date | null; address_failures: string | number; address_first: Date | null }>`
      select count(*) filter (where account = ${account}) as pair_failures,
             max(at) filter (where account = ${account}) as pair_last,
             count(*) as address_failures,
             min(at) as address_first
      from login_failures where address = ${address} and at > ${since}`.execute(this.#db);
    const row = result.rows[0]!;
    return {
      pairFailures: Number(row.pair_failures),
      pairLast: row.pair_last ? new Date(row.pair_last) : null,
      addressFailures: Number(row.address_failures),
      addressFirst: row.address_first ? new Date(row.address_first) : null,
    };
  }

  async record(account: string, address: string, at: Date): Promise<void> {
    await sql`insert into login_failures (account, address, at) values (${account}, ${address}, ${at})`.execute(this.#db);
  }

  async clear(account: string, address: string): Promise<void> {
    await sql`delete from login_failures where account = ${account} and address = ${address}`.execute(this.#db);
  }

  async prune(before: Date): Promise<void> {
    await sql`delete from login_failures where at < ${before}`.execute(this.#db);
  }
}
