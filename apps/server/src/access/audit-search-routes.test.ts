import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedProject, startHarness, type Harness, type SeededProject } from '../test/harness';
import { openTestSession } from './testing';

/**
 * The auditor's platform-wide audit log over HTTP: each caller sees the projects where they hold
 * an auditing role and nothing else; filters, keyset pages, one event, export of the filtered range.
 */
describe('audit search routes', () => {
  let h: Harness;
  let other: SeededProject;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    h = await startHarness('pglite');
    other = await seedProject(h.database);
    const runtime = h.server.app.accessRuntime;
    const now = runtime.now();
    const make = async (name: string, platformAdmin = false) => (await runtime.repo.createUser({ username: `${name}-${crypto.randomUUID().slice(0, 6)}`, displayName: name, platformAdmin, now })).id;
    ids.auditor = await make('auditor');
    ids.steward = await make('steward');
    ids.annotator = await make('annotator');
    ids.admin = await make('admin', true);
    for (const [user, role, project] of [
      [ids.auditor, 'auditor', h.seeded.projectId],
      [ids.steward, 'data_steward', other.projectId],
      [ids.annotator, 'annotator', h.seeded.projectId],
    ] as const) {
      await runtime.repo.addMembership({ userId: user!, projectId: project, role, grantedBy: null, now });
    }
    // Events in both projects and one of no project, through the request hook.
    for (const project of [h.seeded.projectId, other.projectId]) {
      const { headers } = await openTestSession(runtime, ids.admin!);
      await h.server.app.inject({ method: 'GET', url: `/api/projects/${project}`, headers });
    }
    await h.server.app.inject({ method: 'GET', url: '/api/users', headers: (await openTestSession(runtime, ids.annotator!)).headers });
    await runtime.auditSettled();
  }, 60_000);
  afterAll(async () => h?.close());

  const get = async (who: string, url: string) => {
    const res = await h.server.app.inject({ method: 'GET', url, headers: (await openTestSession(h.server.app.accessRuntime, ids[who]!)).headers });
    await h.server.app.accessRuntime.auditSettled();
    return res;
  };

  it('keeps each caller to the projects they audit; platform administrators see every event', async () => {
    expect((await get('annotator', '/api/audit/events')).statusCode).toBe(403);
    const mine = (await get('auditor', '/api/audit/events?limit=200')).json();
    expect(mine.events.length).toBeGreaterThan(0);
    expect(mine.events.every((e: { projectId: string }) => e.projectId === h.seeded.projectId)).toBe(true);
    const stewards = (await get('steward', '/api/audit/events?limit=200')).json();
    expect(stewards.events.every((e: { projectId: string }) => e.projectId === other.projectId)).toBe(true);
    // Asking for another project's events is an empty page, not a way round the reach.
    expect((await get('auditor', `/api/audit/events?projectId=${other.projectId}`)).json()).toEqual({ events: [], nextBefore: null });
    const all = (await get('admin', '/api/audit/events?limit=200')).json();
    expect(all.events.some((e: { projectId: string | null }) => e.projectId === null)).toBe(true);
    const denied = (await get('admin', '/api/audit/events?outcome=denied&action=user.list')).json();
    expect(denied.events[0]).toMatchObject({ actorId: ids.annotator, action: 'user.list', outcome: 'denied', actorDisplayName: 'annotator' });
  });

  it('filters by person, action, object and time, pages by keyset and opens one event', async () => {
    const runtime = h.server.app.accessRuntime;
    const username = (await runtime.repo.getUser(ids.admin!))!.username;
    const byAdmin = (await get('auditor', `/api/audit/events?actor=${username}&action=project.read`)).json();
    expect(byAdmin.events).toHaveLength(1);
    expect(byAdmin.events[0]).toMatchObject({ actorId: ids.admin, objectType: 'project', objectId: h.seeded.projectId });
    expect((await get('auditor', '/api/audit/events?actor=nobody-at-all')).json().events).toEqual([]);
    const first = (await get('admin', '/api/audit/events?limit=2')).json();
    const second = (await get('admin', `/api/audit/events?limit=2&before=${first.nextBefore}`)).json();
    expect(second.events[0].sequence).toBeLessThan(first.events[1].sequence);
    const event = byAdmin.events[0];
    const opened = await get('auditor', `/api/audit/events/${event.sequence}`);
    expect(opened.json()).toMatchObject({ sequence: event.sequence, hash: event.hash, previousHash: event.previousHash });
    const outside = (await get('admin', `/api/audit/events?projectId=${other.projectId}&limit=1`)).json().events[0];
    expect((await get('auditor', `/api/audit/events/${outside.sequence}`)).json()).toMatchObject({ code: 'DLN_NOT_FOUND' });
    const later = new Date(Date.now() + 3_600_000).toISOString();
    expect((await get('auditor', `/api/audit/events?from=${later}`)).json().events).toEqual([]);
    const backwards = await get('auditor', `/api/audit/events?from=${later}&to=2020-01-01T00:00:00Z`);
    expect([backwards.statusCode, backwards.json().code]).toEqual([400, 'DLN_AUDIT_RANGE_INVALID']);
    const searches = (await get('admin', '/api/audit/events?action=audit.search&limit=200')).json().events;
    expect(searches.some((e: { actorId: string; outcome: string }) => e.actorId === ids.auditor && e.outcome === 'success')).toBe(true);
  });

  it('exports the filtered range as FHIR and DICOM downloads, to auditors only', async () => {
    expect((await get('steward', '/api/audit/events/export')).statusCode).toBe(403);
    const fhir = await get('auditor', '/api/audit/events/export?format=fhir&action=project.read');
    expect(fhir.headers['content-disposition']).toMatch(/^attachment; filename="audit-.*\.fhir\.json"$/);
    const bundle = fhir.json();
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.entry).toHaveLength(1);
    expect(bundle.entry[0].resource.resourceType).toBe('AuditEvent');
    const dicom = await get('auditor', '/api/audit/events/export?format=dicom&action=project.read');
    expect(dicom.headers['content-type']).toContain('application/xml');
    expect(dicom.body.match(/<AuditMessage>/g)).toHaveLength(1);
  });
});
