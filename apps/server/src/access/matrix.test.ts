import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roles, type Role } from '@delineate/schema';
import { AgreementRepository, OrganisationRepository, testing } from '@delineate/store';
import { seedProject, startHarness, type Harness } from '../test/harness';
import type { ActionPolicy } from './policy';
import { openTestSession } from './testing';

/**
 * The access matrix: every route the running server reports (onRoute inventory) × every
 * principal × every object scope, checked against the policy table by an oracle written from
 * the table's meaning (not by calling authorize()). Denied answers carry only { code, message };
 * every request except the unaudited public ones leaves exactly one audit event.
 */

type PrincipalName =
  | Role
  | 'platform_admin'
  | 'anonymous'
  | 'disabled_user'
  | 'expired_qualification'
  | 'mfa_not_enrolled'
  | 'no_role'
  | 'vendor_no_agreement'
  | 'vendor_expired_agreement'
  | 'vendor_agreement_without_identifiable_scope'
  | 'vendor_agreement_in_force';
/** Where a member of an annotation service (not the project's owner) stands with its agreements (issue 24). */
type AgreementStanding = 'none' | 'expired' | 'no_identifiable_scope' | 'in_force';
type Scope = 'own' | 'other_project' | 'nonexistent' | 'other_type' | 'none';

interface PrincipalSpec {
  readonly name: PrincipalName;
  readonly userId?: string;
  readonly roles: readonly Role[];
  readonly platformAdmin: boolean;
  readonly mfaVerified: boolean;
  readonly qualificationValid: boolean;
  /** Set for members of another organisation than the project's owner. */
  readonly agreement?: AgreementStanding;
}

const paramTypes: Record<string, string> = {
  projectId: 'project',
  itemId: 'item',
  annotationId: 'annotation',
  userId: 'user',
  membershipId: 'membership',
  qualificationId: 'qualification',
  taskId: 'task',
};

/** What the table says the status must be: 'allowed' (anything but a policy denial) or a status. */
function expected(entry: ActionPolicy, who: PrincipalSpec, scope: Scope): 'allowed' | 401 | 403 | 404 {
  if (entry.scope === 'public') return 'allowed';
  if (who.name === 'anonymous' || who.name === 'disabled_user') return 401;
  if (entry.scope === 'session') return 'allowed';
  if (!who.mfaVerified) return 403;
  if (entry.scope === 'user') return 'allowed';
  if (entry.scope === 'platform') return who.platformAdmin ? 'allowed' : 403;
  if (entry.scope === 'any_project') return (who.platformAdmin && entry.platformAdmin) || who.roles.some((r) => entry.roles.includes(r)) ? 'allowed' : 403;
  if (scope === 'nonexistent' || scope === 'other_type') return 404;
  const held = scope === 'own' ? who.roles : [];
  if (held.length === 0 && !who.platformAdmin) return 404;
  if (who.platformAdmin && entry.platformAdmin) return 'allowed';
  const permitted = held.filter((r) => entry.roles.includes(r));
  if (permitted.length === 0) return 403;
  if (entry.qualified && !who.qualificationValid) return 403;
  if (agreementCode(entry, who)) return 403;
  return 'allowed';
}

/** The coded refusal a vendor's member must get where the role alone would allow the request. */
function agreementCode(entry: ActionPolicy, who: PrincipalSpec): string | undefined {
  switch (who.agreement) {
    case undefined:
    case 'in_force':
      return undefined;
    case 'none':
      return 'DLN_ACCESS_AGREEMENT_MISSING';
    case 'expired':
      return 'DLN_ACCESS_AGREEMENT_EXPIRED';
    case 'no_identifiable_scope':
      return entry.identifiable ? 'DLN_ACCESS_AGREEMENT_SCOPE' : undefined;
  }
}

const kinds = testing.testDatabaseKinds();

describe.each(kinds.run)('access matrix on %s', (kind) => {
  let h: Harness;
  const principals: PrincipalSpec[] = [];
  const ids: Record<string, Record<'own' | 'other_project', string>> = {};

  beforeAll(async () => {
    h = await startHarness(kind);
    const runtime = h.server.app.accessRuntime;
    const repo = runtime.repo;
    const now = runtime.now();
    const other = await seedProject(h.database);
    const own = h.seeded;
    const ctx = h.server.context;
    const annotationOwn = await ctx.annotations.create({ projectId: own.projectId, itemId: own.itemId, labelSchema: own.labelSchema });
    const annotationOther = await ctx.annotations.create({ projectId: other.projectId, itemId: other.itemId, labelSchema: other.labelSchema });
    const victimOwn = await repo.createUser({ username: `victim-${randomUUID()}`, displayName: 'Victim', now });
    const victimOther = await repo.createUser({ username: `victim-${randomUUID()}`, displayName: 'Victim', now });
    const qOwn = await repo.addQualification({ userId: victimOwn.id, kind: 'clinician', modality: null, verifiedBy: null, validUntil: null, now });
    const qOther = await repo.addQualification({ userId: victimOther.id, kind: 'clinician', modality: null, verifiedBy: null, validUntil: null, now });
    ids.project = { own: own.projectId, other_project: other.projectId };
    ids.item = { own: own.itemId, other_project: other.itemId };
    ids.annotation = { own: annotationOwn.id, other_project: annotationOther.id };
    ids.user = { own: victimOwn.id, other_project: victimOther.id };
    ids.qualification = { own: qOwn.id, other_project: qOther.id };
    ids.membership = { own: '', other_project: '' }; // fresh per request (DELETE removes them)
    const db = h.database.db;
    const task = async (projectId: string, itemId: string) =>
      (await db.insertInto('tasks').values({ project_id: projectId, kind: 'annotate', item_id: itemId, status: 'open' }).returning('id').executeTakeFirstOrThrow()).id;
    ids.task = { own: await task(own.projectId, own.itemId), other_project: await task(other.projectId, other.itemId) };
    const deidRecord = async (projectId: string, n: number) =>
      (
        await db
          .insertInto('deid_records')
          .values({
            project_id: projectId,
            source_hash: String(n).repeat(64),
            output_hash: null,
            profile: 'basic',
            options: '[]',
            actions: '[]',
            pixel_regions: '[]',
            findings: '[]',
            status: 'quarantined',
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    ids.deid_record = { own: await deidRecord(own.projectId, 1), other_project: await deidRecord(other.projectId, 2) };
    const uploadBatch = async (projectId: string) =>
      (await db.insertInto('upload_batches' as never).values({ project_id: projectId, created_at: now } as never).returning('id' as never).executeTakeFirstOrThrow()) as { id: string };
    const uploadFile = async (projectId: string, batchId: string) =>
      (await db
        .insertInto('upload_files' as never)
        .values({ batch_id: batchId, project_id: projectId, sealed_name: new Uint8Array(32), size: 10, state: 'uploading', created_at: now, updated_at: now } as never)
        .returning('id' as never)
        .executeTakeFirstOrThrow()) as { id: string };
    const batches = { own: (await uploadBatch(own.projectId)).id, other_project: (await uploadBatch(other.projectId)).id };
    ids.upload_batch = batches;
    ids.upload_file = { own: (await uploadFile(own.projectId, batches.own)).id, other_project: (await uploadFile(other.projectId, batches.other_project)).id };

    const future = new Date(now.getTime() + 365 * 86_400_000);
    const past = new Date(now.getTime() - 86_400_000);
    const organisations = new OrganisationRepository(db);
    const agreements = new AgreementRepository(db);
    const partner = await organisations.create({ name: `Partner ${randomUUID()}`, kind: 'partner', now });
    const fixtureAgreement = async (projectId: string) =>
      (await agreements.record({ projectId, organisationId: partner.id, kind: 'dua', parties: ['A', 'B'], signedAt: past, expiresAt: future, identifiableUses: [], regions: ['local'], recordedBy: null, now })).id;
    ids.agreement = { own: await fixtureAgreement(own.projectId), other_project: await fixtureAgreement(other.projectId) };
    ids.organisation = { own: partner.id, other_project: partner.id };
    const make = async (name: PrincipalName, spec: Omit<PrincipalSpec, 'name' | 'userId'>, validUntil: Date | null = future) => {
      if (name === 'anonymous') return principals.push({ name, ...spec });
      const user = await repo.createUser({ username: `${name}-${randomUUID()}`.toLowerCase().replace(/_/g, '-'), displayName: name, platformAdmin: spec.platformAdmin, now });
      for (const role of spec.roles) await repo.addMembership({ userId: user.id, projectId: own.projectId, role, grantedBy: null, now });
      await repo.addQualification({ userId: user.id, kind: 'radiologist', modality: 'CT', verifiedBy: null, validUntil, now });
      return principals.push({ name, userId: user.id, ...spec });
    };
    await make('anonymous', { roles: [], platformAdmin: false, mfaVerified: false, qualificationValid: false });
    for (const role of roles) await make(role, { roles: [role], platformAdmin: false, mfaVerified: true, qualificationValid: true });
    await make('platform_admin', { roles: [], platformAdmin: true, mfaVerified: true, qualificationValid: true });
    await make('no_role', { roles: [], platformAdmin: false, mfaVerified: true, qualificationValid: true });
    await make('expired_qualification', { roles: ['expert_reviewer', 'annotator'], platformAdmin: false, mfaVerified: true, qualificationValid: false }, past);
    await make('mfa_not_enrolled', { roles: ['annotator'], platformAdmin: false, mfaVerified: false, qualificationValid: true });
    await make('disabled_user', { roles: ['annotator'], platformAdmin: false, mfaVerified: true, qualificationValid: true });
    const disabled = principals.find((p) => p.name === 'disabled_user')!;
    await repo.setDisabled(disabled.userId!, true, now);

    // Members of annotation services admitted to the project as annotators and stewards, each
    // service with its own agreement standing (the demo-like project is in region local: a DUA).
    const vendorRoles: Role[] = ['annotator', 'data_steward'];
    const vendors: Array<[PrincipalName, AgreementStanding]> = [
      ['vendor_no_agreement', 'none'],
      ['vendor_expired_agreement', 'expired'],
      ['vendor_agreement_without_identifiable_scope', 'no_identifiable_scope'],
      ['vendor_agreement_in_force', 'in_force'],
    ];
    for (const [name, standing] of vendors) {
      const service = await organisations.create({ name: `Service ${randomUUID()}`, kind: 'annotation_service', now });
      await organisations.admit({ projectId: own.projectId, organisationId: service.id, roles: vendorRoles, admittedBy: null, now });
      if (standing !== 'none') {
        await agreements.record({
          projectId: own.projectId,
          organisationId: service.id,
          kind: 'dua',
          parties: ['Hospital', 'Service'],
          signedAt: new Date(now.getTime() - 400 * 86_400_000),
          expiresAt: standing === 'expired' ? past : future,
          identifiableUses: standing === 'in_force' ? ['quarantine_pixels', 'dicomweb_search', 'break_glass'] : [],
          regions: ['local'],
          recordedBy: null,
          now,
        });
      }
      await make(name, { roles: vendorRoles, platformAdmin: false, mfaVerified: true, qualificationValid: true, agreement: standing });
      await organisations.setUserOrganisation(principals.at(-1)!.userId!, service.id);
    }
  }, 120_000);
  afterAll(async () => h?.close());

  it('registers every API route through the access layer, each with an action in the table', () => {
    const inventory = h.server.app.accessRuntime.routes;
    const policy = h.server.app.accessRuntime.policy;
    const seen = new Set(inventory.map((r) => `${r.method} ${r.url}`));
    for (const spec of h.server.registry.routes) expect(seen, `${spec.method} ${spec.url}`).toContain(`${spec.method} ${spec.url}`);
    for (const route of inventory) expect(policy.actions[route.action], `${route.method} ${route.url}`).toBeDefined();
  });

  it('answers every route × principal × scope as the policy table says', async () => {
    const runtime = h.server.app.accessRuntime;
    const policy = runtime.policy;
    const inventory = runtime.routes.filter((r) => r.url.startsWith('/api/'));
    const audited: Array<{ action: string; outcome: string }> = [];
    const mismatches: string[] = [];
    let requests = 0;
    const startSequence = (await runtime.audit.head()).sequence;

    // One session per principal, opened once: the request's answer depends on who holds it, not
    // on its age. The auth routes act on the caller's own session or credentials (logout, MFA,
    // password), so each of their requests gets a fresh one, as before. A session spoilt by
    // reuse would show as a 401 where the table expects another answer, never as a pass.
    const sessions = new Map<string, Record<string, string>>();
    const sessionHeaders = async (who: PrincipalSpec, action: string): Promise<Record<string, string>> => {
      const fresh = async () => (await openTestSession(runtime, who.userId!, { mfaVerified: who.mfaVerified })).headers;
      if (action.startsWith('auth.')) return fresh();
      let headers = sessions.get(who.name);
      if (!headers) sessions.set(who.name, (headers = await fresh()));
      return headers;
    };
    const withoutFixtures = new Set<string>();
    const agreementRefusals = new Set<string>();
    for (const route of inventory) {
      const entry = policy.actions[route.action]!;
      const params = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
      // The parameter the access layer resolves: `<resource>Id`, else `projectId` (as plugin.ts).
      const objectParam = params.includes(`${route.resource}Id`) ? `${route.resource}Id` : params.includes('id') ? 'id' : params.includes('projectId') ? 'projectId' : undefined;
      const objectType = objectParam === 'id' ? route.resource : objectParam ? typeOf(objectParam) : undefined;
      let scopes: Scope[] = objectParam ? ['own', 'other_project', 'nonexistent', 'other_type'] : ['none'];
      if (objectType && !ids[objectType]) {
        withoutFixtures.add(`${route.method} ${route.url}`);
        scopes = ['nonexistent', 'other_type'];
      }
      for (const who of principals) {
        for (const scope of scopes) {
          const url = await buildUrl(route.url, objectParam, scope);
          const headers: Record<string, string> = {};
          if (who.userId) Object.assign(headers, await sessionHeaders(who, route.action));
          const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
          const res = await h.server.app.inject({ method: route.method as 'GET', url, headers: hasBody ? { ...headers, 'content-type': 'application/json' } : headers, ...(hasBody ? { payload: '{}' } : {}) });
          await runtime.auditSettled();
          requests++;
          const want = expected(entry, who, scope);
          const label = `${route.method} ${route.url} as ${who.name} (${scope}) → ${res.statusCode}, expected ${want}`;
          if (want === 'allowed') {
            const body = safeJson(res.body);
            if (res.statusCode === 401 || res.statusCode === 403 || (res.statusCode === 404 && scope === 'own' && body?.code === 'DLN_NOT_FOUND' && entry.scope === 'project' && objectParam === 'projectId')) mismatches.push(label);
          } else {
            if (res.statusCode !== want) mismatches.push(label);
            const body = safeJson(res.body);
            if (!body || Object.keys(body).sort().join(',') !== 'code,message') mismatches.push(`${label}: denied body carries more than code and message`);
            // An agreement refusal only where the role alone would be allowed.
            const code = want === 403 && expected(entry, { ...who, agreement: 'in_force' }, scope) === 'allowed' ? agreementCode(entry, who) : undefined;
            if (code && body?.code !== code) mismatches.push(`${label}: code ${String(body?.code)}, expected ${code}`);
            if (code) agreementRefusals.add(code);
          }
          // Tile reads of a signed-in user are counted by the aggregator (written later); a caller without a session (401) is logged at once.
          if (entry.audit === 'every' || (entry.audit === 'aggregate' && res.statusCode === 401)) {
            const denied = want !== 'allowed' || res.statusCode === 401 || res.statusCode === 403 || res.statusCode === 429;
            audited.push({ action: route.action, outcome: denied ? 'denied' : res.statusCode < 400 ? 'success' : 'error' });
          }
        }
      }
    }
    const events = (await runtime.audit.range(new Date(0), new Date(Date.now() + 86_400_000))).filter((e) => e.sequence > startSequence);
    console.log(
      `access matrix [${kind}]: ${inventory.length} routes × ${principals.length} principals × up to 4 scopes = ${requests} requests checked, ${events.length} audit events`,
    );
    if (withoutFixtures.size > 0) console.log(`access matrix: no own/other-project fixture for ${[...withoutFixtures].join(', ')} (add one in matrix.test.ts)`);
    expect(mismatches).toEqual([]);
    // Every kind of agreement refusal was met on some route (and checked above as coded and audited as a denial).
    expect([...agreementRefusals].sort()).toEqual(['DLN_ACCESS_AGREEMENT_EXPIRED', 'DLN_ACCESS_AGREEMENT_MISSING', 'DLN_ACCESS_AGREEMENT_SCOPE']);
    expect(events.map((e) => ({ action: e.action, outcome: e.outcome }))).toEqual(audited);
    expect((await runtime.audit.verify(h.server.context.config.dataDir, runtime.auditKey)).ok).toBe(true);
  }, 900_000);

  function resourceOf(template: string): string | undefined {
    return h.server.app.accessRuntime.routes.find((r) => r.url === template)?.resource;
  }

  function typeOf(param: string): string | undefined {
    return paramTypes[param] ?? (param.endsWith('Id') ? param.slice(0, -2) : undefined);
  }

  /** Fills the object parameter for the scope; other id parameters get an own-project id (or a fresh uuid). */
  async function buildUrl(template: string, objectParam: string | undefined, scope: Scope): Promise<string> {
    let url = template;
    for (const [, name] of [...template.matchAll(/:([A-Za-z]+)/g)]) {
      const type = name === 'id' ? resourceOf(template) : typeOf(name!);
      const isObject = name === objectParam;
      let value: string;
      if (!type) value = '1';
      else if (isObject && scope === 'nonexistent') value = randomUUID();
      else if (isObject && scope === 'other_type') value = type === 'item' ? ids.annotation!.own : ids.item!.own;
      else if (!ids[type]) value = randomUUID();
      else if (type === 'membership') {
        const runtime = h.server.app.accessRuntime;
        const projectId = ids.project![isObject && scope === 'other_project' ? 'other_project' : 'own'];
        const m = await runtime.repo.addMembership({ userId: ids.user!.own, projectId, role: 'auditor', grantedBy: null, now: runtime.now() }).catch(async () => {
          const existing = await runtime.repo.membershipsOfUser(ids.user!.own);
          return existing.find((x) => x.project_id === projectId)!;
        });
        value = m.id;
      } else value = ids[type]![isObject && scope === 'other_project' ? 'other_project' : 'own'];
      url = url.replace(`:${name}`, value);
    }
    return url;
  }
});

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
