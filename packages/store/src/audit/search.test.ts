import { CompiledQuery, sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeStore } from '../test/describe-store';
import { AccessRepository } from '../access/repository';
import type { AuditEntry } from './chain';
import { AuditLog } from './log';
import { auditEventBySequence, auditEventsForExport, auditSearchQuery, searchAuditEvents } from './search';

const projectA = '00000000-0000-4000-8000-00000000000a';
const projectB = '00000000-0000-4000-8000-00000000000b';

function entry(i: number, actorId: string | null): AuditEntry {
  return {
    actorId,
    role: 'annotator',
    sessionId: 's',
    address: '127.0.0.1',
    action: i % 3 === 0 ? 'mask.read' : 'item.read',
    objectType: i % 3 === 0 ? 'annotation' : 'item',
    objectId: `object-${i % 5}`,
    projectId: i % 2 === 0 ? projectA : i % 7 === 0 ? null : projectB,
    subjectPseudonym: null,
    purpose: 'annotation_project',
    outcome: i % 10 === 0 ? 'denied' : 'success',
  };
}

describeStore('audit search', (getDb) => {
  async function seed(count: number) {
    const db = getDb().db;
    let t = Date.parse('2026-03-01T00:00:00Z');
    const log = new AuditLog(db, { now: () => new Date(t) });
    const user = await new AccessRepository(db).createUser({ username: `reader-${crypto.randomUUID().slice(0, 8)}`, displayName: 'Rea Der', now: new Date(t) });
    for (let i = 1; i <= count; i++) {
      t += 60_000;
      await log.append(entry(i, i % 4 === 0 ? user.id : null));
    }
    return { db, userId: user.id };
  }

  it('pages newest first by keyset, with every filter, and never beyond the caller’s reach', async () => {
    const { db, userId } = await seed(60);
    const all = await searchAuditEvents(db, { projectIds: null }, { limit: 25 });
    expect(all.events.map((e) => e.sequence)).toEqual(Array.from({ length: 25 }, (_, i) => 60 - i));
    expect(all.nextBefore).toBe(36);
    const second = await searchAuditEvents(db, { projectIds: null }, { before: all.nextBefore!, limit: 25 });
    expect(second.events[0]!.sequence).toBe(35);
    const last = await searchAuditEvents(db, { projectIds: null }, { before: 11, limit: 25 });
    expect(last.events.map((e) => e.sequence)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(last.nextBefore).toBeNull();

    const expectOnly = async (filter: Parameters<typeof searchAuditEvents>[1], keep: (i: number) => boolean) => {
      const got = await searchAuditEvents(db, filter, { limit: 100 });
      expect(got.events.map((e) => e.sequence)).toEqual(Array.from({ length: 60 }, (_, i) => 60 - i).filter(keep));
    };
    await expectOnly({ projectIds: null, projectId: projectA }, (i) => i % 2 === 0);
    await expectOnly({ projectIds: null, actorId: userId }, (i) => i % 4 === 0);
    await expectOnly({ projectIds: null, action: 'mask.read' }, (i) => i % 3 === 0);
    await expectOnly({ projectIds: null, objectType: 'item', objectId: 'object-2' }, (i) => i % 3 !== 0 && i % 5 === 2);
    await expectOnly({ projectIds: null, outcome: 'denied' }, (i) => i % 10 === 0);
    await expectOnly({ projectIds: null, from: new Date('2026-03-01T00:10:00Z'), to: new Date('2026-03-01T00:20:00Z') }, (i) => i >= 10 && i < 20);
    // Reach: only project B's events; events of no project only with a null reach.
    await expectOnly({ projectIds: [projectB] }, (i) => i % 2 !== 0 && i % 7 !== 0);
    await expectOnly({ projectIds: [projectB], projectId: projectA }, () => false);
    await expectOnly({ projectIds: [] }, () => false);

    const named = (await searchAuditEvents(db, { projectIds: null, actorId: userId }, { limit: 1 })).events[0]!;
    expect(named).toMatchObject({ actorDisplayName: 'Rea Der', sequence: 60 });
    expect(await auditEventBySequence(db, 2, [projectA])).toMatchObject({ sequence: 2, projectId: projectA });
    expect(await auditEventBySequence(db, 3, [projectA])).toBeUndefined();
    expect(await auditEventBySequence(db, 999, null)).toBeUndefined();
    const exported = await auditEventsForExport(db, { projectIds: null, outcome: 'denied' }, 100);
    expect(exported.map((e) => e.sequence)).toEqual([10, 20, 30, 40, 50, 60]);
    // The export carries the sealed record only: exactly what the chain hashed.
    expect(Object.keys(exported[0]!)).not.toContain('actorDisplayName');
  });
});

describeStore('audit search plan', (getDb) => {
  it('reads about one page of rows from an index for a filtered page deep in 200,000 events', async () => {
    const db = getDb().db;
    // Rows inserted directly (the chain is not what is tested here): 1 in 10 in project A,
    // 1 in 50 denied, times one second apart.
    await sql`insert into audit_events (sequence, time, actor_id, role, session_id, address, action, object_type, object_id, project_id, subject_pseudonym, purpose, outcome, count, previous_hash, hash)
      select g, timestamptz '2026-01-01' + g * interval '1 second', null, 'annotator', 's', '127.0.0.1',
             case when g % 3 = 0 then 'mask.read' else 'item.read' end, 'item', 'object-' || (g % 1000),
             case when g % 10 = 0 then ${projectA}::uuid else ${projectB}::uuid end, null, 'annotation_project',
             case when g % 50 = 0 then 'denied' else 'success' end, 1, null, md5(g::text)
      from generate_series(1, 200000) g`.execute(db);
    await sql`analyze audit_events`.execute(db);
    const cases = [
      { projectIds: null, projectId: projectA },
      { projectIds: [projectA, projectB], outcome: 'denied' as const },
      { projectIds: null, action: 'mask.read', projectId: projectA },
      { projectIds: null, objectId: 'object-70' },
      { projectIds: null, from: new Date('2026-01-01T10:00:00Z'), to: new Date('2026-01-01T11:00:00Z') },
    ];
    for (const filter of cases) {
      const compiled = auditSearchQuery(db, filter, { before: { time: new Date(Date.parse('2026-01-01T00:00:00Z') + 150_000_000), sequence: 150_000 }, limit: 50 }).compile();
      const explained = await db.executeQuery<{ 'QUERY PLAN': unknown }>(CompiledQuery.raw(`EXPLAIN (ANALYZE, FORMAT JSON) ${compiled.sql}`, [...compiled.parameters]));
      const plan = explained.rows[0]!['QUERY PLAN'];
      const scans = scanNodes(typeof plan === 'string' ? JSON.parse(plan) : plan).filter((n) => n['Relation Name'] === 'audit_events');
      expect(scans.map((n) => n['Node Type']), JSON.stringify(filter)).not.toContain('Seq Scan');
      // Rows the scan produced plus rows it read and threw away: a page's worth, not the table.
      const read = scans.reduce((sum, n) => sum + Number(n['Actual Rows'] ?? 0) + Number(n['Rows Removed by Filter'] ?? 0), 0);
      expect(read, JSON.stringify(filter)).toBeLessThan(5_000);
      const page = await searchAuditEvents(db, filter, { before: 150_000, limit: 50 });
      expect(page.events.length).toBeGreaterThan(0);
      expect(page.events.every((e) => e.sequence < 150_000)).toBe(true);
    }
  }, 120_000);
});

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };
function scanNodes(plan: unknown): PlanNode[] {
  const out: PlanNode[] = [];
  const walk = (node: PlanNode) => {
    out.push(node);
    for (const child of node.Plans ?? []) walk(child);
  };
  for (const top of plan as Array<{ Plan: PlanNode }>) walk(top.Plan);
  return out;
}

