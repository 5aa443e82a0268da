// The auditor's audit-log page at scale: 1,000,000 events seeded straight into the table (the
// chain is not what is measured), then filtered newest-first pages through `searchAuditEvents`,
// the same call GET /api/audit/events makes, on embedded PGlite and, when
// DELINEATE_TEST_DATABASE_URL is set, PostgreSQL.
import { sql } from 'kysely';
import { searchAuditEvents, testing, type AuditSearchFilter, type DatabaseKind } from '@delineate/store';
import type { BenchResult } from './types';

const events = 1_000_000;
const projectA = '00000000-0000-4000-8000-00000000000a';
const projectB = '00000000-0000-4000-8000-00000000000b';
const start = Date.parse('2026-01-01T00:00:00Z');
const actor = '00000000-0000-4000-8000-0000000000ac';
const targetMs = 100;

/** Each case: a filter and the cursor it starts from (a deep page, not only the newest). */
const cases: Array<{ name: string; filter: AuditSearchFilter; before?: number }> = [
  { name: 'newest page, no filter', filter: { projectIds: null } },
  { name: 'one project (1 in 10), page at event 500,000', filter: { projectIds: null, projectId: projectA }, before: 500_000 },
  { name: 'auditor reach of two projects, refusals (1 in 50)', filter: { projectIds: [projectA, projectB], outcome: 'denied' }, before: 800_000 },
  { name: 'one person (1 in 1,000) and one action', filter: { projectIds: null, actorId: actor, action: 'mask.read' } },
  { name: 'one hour, 100 days back', filter: { projectIds: null, from: new Date(start + 100 * 86_400_000), to: new Date(start + 100 * 86_400_000 + 3_600_000) } },
  { name: 'one object', filter: { projectIds: null, objectId: 'item-4242' } },
];

async function measure(kind: DatabaseKind): Promise<BenchResult['rows']> {
  const database = await testing.createTestDatabase(kind);
  try {
    const db = database.db;
    let started = performance.now();
    // One event every 10 s: 1,000,000 events span about 116 days.
    await sql`insert into audit_events (sequence, time, actor_id, role, session_id, address, action, object_type, object_id, project_id, subject_pseudonym, purpose, outcome, count, previous_hash, hash)
      select g, ${new Date(start)}::timestamptz + g * interval '10 seconds',
             case when g % 1000 = 0 then ${actor}::uuid else null end, 'annotator', 's', '127.0.0.1',
             case when g % 3 = 0 then 'mask.read' else 'item.read' end, 'item', 'item-' || (g % 10000),
             case when g % 10 = 0 then ${projectA}::uuid when g % 10 = 1 then ${projectB}::uuid else null end, null, 'annotation_project',
             case when g % 50 = 0 then 'denied' else 'success' end, 1, null, md5(g::text)
      from generate_series(1, ${events}::int) g`.execute(db);
    await sql`analyze audit_events`.execute(db);
    const seedSeconds = (performance.now() - started) / 1000;
    const rows: BenchResult['rows'] = [];
    for (const c of cases) {
      const samples: number[] = [];
      let found = 0;
      for (let i = 0; i < 21; i++) {
        started = performance.now();
        const page = await searchAuditEvents(db, c.filter, { limit: 50, ...(c.before ? { before: c.before } : {}) });
        samples.push(performance.now() - started);
        found = page.events.length;
      }
      samples.sort((a, b) => a - b);
      rows.push({ database: kind, case: c.name, 'events on the page': found, 'median ms': Number(samples[10]!.toFixed(2)), 'worst ms': Number(samples[20]!.toFixed(2)), 'seed s': Number(seedSeconds.toFixed(1)) });
    }
    return rows;
  } finally {
    await database.close();
  }
}

export async function run(): Promise<BenchResult> {
  const rows: BenchResult['rows'] = [];
  for (const kind of testing.testDatabaseKinds().run) rows.push(...(await measure(kind)));
  const worst = Math.max(...rows.map((r) => Number(r['median ms'])));
  return {
    name: 'audit-log',
    description: `The auditor's filtered audit-log page (50 events, newest first, keyset cursor) over ${events.toLocaleString('en')} events, through searchAuditEvents (GET /api/audit/events); median and worst of 21 runs per filter.`,
    rows,
    targets: [{ target: `every filtered page ≤ ${targetMs} ms at 1,000,000 events`, measured: `slowest median ${worst.toFixed(1)} ms`, met: worst <= targetMs }],
    notes: ['Indexes of migration 0740: (time, sequence) and (column, time, sequence) for project, actor, action, object and outcome.', 'Events are inserted with generate_series, not appended through the hash chain: the append rate is bench access.'],
  };
}
