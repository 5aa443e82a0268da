import type { Kysely } from 'kysely';

export interface StatementGroupsOptions<Request> {
  /** Requests per statement at most. */
  readonly maxGroup: number;
  /** Requests with one key never share a statement: a later one waits for the next group. */
  readonly keyOf?: (request: Request) => string;
}

interface Waiting<Request, Answer> {
  readonly request: Request;
  readonly resolve: (answer: Answer) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for one kind of statement. Requests that arrive while a statement of this kind
 * is running wait, and are answered together by the next one, which takes its group once it
 * holds a connection (PGlite has one, so requests arriving while it waited for it join too).
 * `run` answers a group in one statement, one answer per request in order. A statement that
 * fails as a whole is run again request by request, so each request gets its own answer or
 * error and one bad request fails no other. Inside a caller's transaction a request runs
 * alone on that transaction.
 */
export class StatementGroups<DB, Request, Answer> {
  readonly #db: Kysely<DB>;
  readonly #run: (db: Kysely<DB>, requests: readonly Request[]) => Promise<Answer[]>;
  readonly #options: StatementGroupsOptions<Request>;
  #waiting: Waiting<Request, Answer>[] = [];
  #running = false;

  constructor(db: Kysely<DB>, run: (db: Kysely<DB>, requests: readonly Request[]) => Promise<Answer[]>, options: StatementGroupsOptions<Request>) {
    this.#db = db;
    this.#run = run;
    this.#options = options;
  }

  submit(request: Request): Promise<Answer> {
    if (this.#db.isTransaction) return this.#alone(request);
    return new Promise((resolve, reject) => {
      this.#waiting.push({ request, resolve, reject });
      this.#next();
    });
  }

  #next(): void {
    if (this.#running || this.#waiting.length === 0) return;
    this.#running = true;
    void this.#runGroup().finally(() => {
      this.#running = false;
      this.#next();
    });
  }

  async #runGroup(): Promise<void> {
    let group: Waiting<Request, Answer>[] = [];
    try {
      const answers = await this.#db.connection().execute((connection) => {
        group = this.#take();
        return this.#run(connection, group.map((w) => w.request));
      });
      group.forEach((w, i) => w.resolve(answers[i]!));
    } catch (error) {
      // The connection may have failed before the group was taken.
      if (group.length === 0) group = this.#take();
      if (group.length === 1) return group[0]!.reject(error);
      for (const w of group) await this.#alone(w.request).then(w.resolve, w.reject);
    }
  }

  async #alone(request: Request): Promise<Answer> {
    const [answer] = await this.#run(this.#db, [request]);
    return answer!;
  }

  /** The waiting requests in arrival order, up to `maxGroup`, one per key. */
  #take(): Waiting<Request, Answer>[] {
    const group: Waiting<Request, Answer>[] = [];
    const rest: Waiting<Request, Answer>[] = [];
    const keys = new Set<string>();
    for (const w of this.#waiting) {
      const key = this.#options.keyOf?.(w.request);
      if (group.length >= this.#options.maxGroup || (key !== undefined && keys.has(key))) rest.push(w);
      else {
        if (key !== undefined) keys.add(key);
        group.push(w);
      }
    }
    this.#waiting = rest;
    return group;
  }
}
