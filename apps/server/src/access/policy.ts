import policyTableJson from './policy-table.json' with { type: 'json' };
import { identifiableUses, roles, type IdentifiableUse, type Modality, type QualificationKind, type Role } from '@delineate/schema';
import { agreementRefusal, type AgreementRefusal, type PrincipalOrganisation, type ProjectGovernanceView } from './agreement-policy';

/**
 * The one policy function. Every request is decided by {@link authorize} against the policy
 * table (`policy-table.json`, the single source of truth), the principal's memberships,
 * break-glass grants and unexpired qualifications.
 */
export type PolicyScope = 'public' | 'session' | 'user' | 'platform' | 'project' | 'any_project';
export type AuditMode = 'every' | 'aggregate' | 'none';

export interface ActionPolicy {
  readonly scope: PolicyScope;
  readonly roles: readonly Role[];
  readonly platformAdmin: boolean;
  readonly qualified: boolean;
  readonly audit: AuditMode;
  /** The action shows identifiable data: another organisation's agreements must allow this use. */
  readonly identifiable: IdentifiableUse | null;
}

export interface RoleQualification {
  readonly kinds: readonly QualificationKind[];
  /** The qualification's modality must be the project's (or unset, meaning any). */
  readonly matchModality: boolean;
}

/** Who may ask for emergency access to a project. */
export interface BreakGlassPolicy {
  /** The requester must already be a member of the project in one of these roles. */
  readonly memberRoles: readonly Role[];
}

export interface PolicyTable {
  readonly mfaRoles: readonly Role[];
  readonly breakGlass: BreakGlassPolicy;
  readonly roleQualifications: Readonly<Partial<Record<Role, RoleQualification>>>;
  readonly actions: Readonly<Record<string, ActionPolicy>>;
}

export interface PrincipalRole {
  readonly projectId: string;
  readonly role: Role;
  /** A role held through an emergency grant, not a membership. */
  readonly viaBreakGlass: boolean;
}

export interface PrincipalQualification {
  readonly kind: QualificationKind;
  readonly modality: Modality | null;
  readonly validUntil: Date | null;
}

export type MfaState = 'verified' | 'pending' | 'enrolment_required' | 'not_required';

export type Principal =
  | { readonly kind: 'anonymous' }
  | {
      readonly kind: 'user';
      readonly userId: string;
      readonly sessionId: string;
      readonly platformAdmin: boolean;
      readonly mfa: MfaState;
      readonly roles: readonly PrincipalRole[];
      readonly qualifications: readonly PrincipalQualification[];
      /** The organisation the user works for, with its admissions and agreements (issue 24). */
      readonly organisation: PrincipalOrganisation;
    };

/** The object a request acts on, as the plugin resolved it from the route's parameters. */
export type PolicyResource =
  | { readonly kind: 'none' }
  | { readonly kind: 'missing'; readonly type: string }
  | {
      readonly kind: 'object';
      readonly type: string;
      readonly id: string;
      readonly projectId: string;
      readonly modality: Modality | null;
      readonly subjectPseudonym?: string | null;
      readonly governance: ProjectGovernanceView;
    };

export type DenyReason =
  | 'unauthenticated'
  | 'mfa_required'
  | 'not_platform_admin'
  | 'not_found'
  | 'role'
  | 'qualification'
  | 'agreement'
  | 'unknown_action';

export type Decision =
  | { readonly allowed: true; readonly role: Role | 'platform_admin' | null; readonly viaBreakGlass: boolean }
  | { readonly allowed: false; readonly status: 401 | 403 | 404 | 500; readonly reason: DenyReason; readonly agreement?: AgreementRefusal };

const scopes: readonly PolicyScope[] = ['public', 'session', 'user', 'platform', 'project', 'any_project'];
const auditModes: readonly AuditMode[] = ['every', 'aggregate', 'none'];

/** Validates the raw table once at load: a typo in the table stops the server, never a request. */
export function parsePolicyTable(raw: unknown): PolicyTable {
  const fail = (message: string): never => {
    throw new Error(`policy-table.json: ${message}`);
  };
  if (typeof raw !== 'object' || raw === null) fail('not an object');
  const value = raw as Record<string, unknown>;
  const isRole = (r: unknown): r is Role => typeof r === 'string' && (roles as readonly string[]).includes(r);
  const mfaRoles = Array.isArray(value.mfaRoles) ? value.mfaRoles : fail('mfaRoles must be a list');
  for (const r of mfaRoles) if (!isRole(r)) fail(`unknown role ${String(r)} in mfaRoles`);
  // Without a breakGlass entry nobody may ask for emergency access.
  const breakGlass = (value.breakGlass ?? { memberRoles: [] }) as Record<string, unknown>;
  const memberRoles = Array.isArray(breakGlass.memberRoles) ? breakGlass.memberRoles : fail('breakGlass.memberRoles must be a list');
  for (const r of memberRoles) if (!isRole(r)) fail(`unknown role ${String(r)} in breakGlass.memberRoles`);
  const roleQualifications = (value.roleQualifications ?? {}) as Record<string, RoleQualification>;
  for (const r of Object.keys(roleQualifications)) if (!isRole(r)) fail(`unknown role ${r} in roleQualifications`);
  const actions: Record<string, ActionPolicy> = {};
  for (const [name, entry] of Object.entries((value.actions ?? {}) as Record<string, Record<string, unknown>>)) {
    if (!/^[a-z][a-z0-9_.]{0,63}$/.test(name)) fail(`bad action name ${name}`);
    const scope = entry.scope as PolicyScope;
    if (!scopes.includes(scope)) fail(`${name}: unknown scope`);
    const entryRoles = (entry.roles ?? []) as unknown[];
    for (const r of entryRoles) if (!isRole(r)) fail(`${name}: unknown role ${String(r)}`);
    const byRole = scope === 'project' || scope === 'any_project';
    if (byRole && entryRoles.length === 0 && entry.platformAdmin !== true) fail(`${name}: nobody may do it`);
    if (!byRole && entryRoles.length > 0) fail(`${name}: roles only apply to project scopes`);
    const audit = (entry.audit ?? 'every') as AuditMode;
    if (!auditModes.includes(audit)) fail(`${name}: unknown audit mode`);
    if (audit === 'none' && scope !== 'public') fail(`${name}: only public actions may go unaudited`);
    const identifiable = (entry.identifiable ?? null) as IdentifiableUse | null;
    if (identifiable !== null && !identifiableUses.includes(identifiable)) fail(`${name}: unknown identifiable use`);
    actions[name] = {
      scope,
      roles: entryRoles as Role[],
      platformAdmin: entry.platformAdmin === true,
      qualified: entry.qualified === true,
      audit,
      identifiable,
    };
  }
  return { mfaRoles: mfaRoles as Role[], breakGlass: { memberRoles: memberRoles as Role[] }, roleQualifications, actions };
}

/** The committed table, imported (not read from disk) so the bundled CLI carries it. */
export const policyTable: PolicyTable = parsePolicyTable(policyTableJson);

/** Whether this user must use a second factor (any role that can see images, or platform admin). */
export function mfaRequired(policy: PolicyTable, platformAdmin: boolean, heldRoles: readonly Role[]): boolean {
  return platformAdmin || heldRoles.some((r) => policy.mfaRoles.includes(r));
}

export function qualificationCovers(
  need: RoleQualification | undefined,
  qualifications: readonly PrincipalQualification[],
  projectModality: Modality | null,
  now: Date,
): boolean {
  if (!need) return true;
  return qualifications.some(
    (q) =>
      need.kinds.includes(q.kind) &&
      (q.validUntil === null || q.validUntil.getTime() > now.getTime()) &&
      (!need.matchModality || q.modality === null || q.modality === projectModality),
  );
}

/** Decides one request. Pure: the caller supplies the principal, the resolved object and the time. */
export function authorize(
  principal: Principal,
  action: string,
  resource: PolicyResource,
  now: Date,
  policy: PolicyTable = policyTable,
): Decision {
  const entry = policy.actions[action];
  if (!entry) return { allowed: false, status: 500, reason: 'unknown_action' };
  if (entry.scope === 'public') return { allowed: true, role: null, viaBreakGlass: false };
  if (principal.kind === 'anonymous') return { allowed: false, status: 401, reason: 'unauthenticated' };
  if (entry.scope === 'session') return { allowed: true, role: null, viaBreakGlass: false };
  if (principal.mfa === 'pending' || principal.mfa === 'enrolment_required') {
    return { allowed: false, status: 403, reason: 'mfa_required' };
  }
  if (entry.scope === 'user') return { allowed: true, role: null, viaBreakGlass: false };
  if (entry.scope === 'platform') {
    return principal.platformAdmin
      ? { allowed: true, role: 'platform_admin', viaBreakGlass: false }
      : { allowed: false, status: 403, reason: 'not_platform_admin' };
  }
  if (entry.scope === 'any_project') {
    // Reading across projects (the audit log): the route itself keeps to the projects where the role is held.
    if (entry.platformAdmin && principal.platformAdmin) return { allowed: true, role: 'platform_admin', viaBreakGlass: false };
    const permitted = principal.roles.filter((r) => entry.roles.includes(r.role));
    const chosen = permitted.find((r) => !r.viaBreakGlass) ?? permitted[0];
    return chosen ? { allowed: true, role: chosen.role, viaBreakGlass: chosen.viaBreakGlass } : { allowed: false, status: 403, reason: 'role' };
  }
  // Project scope: an object that does not exist and an object in a project the caller has no
  // part in look the same (404), so ids cannot be probed.
  if (resource.kind === 'none') return { allowed: false, status: 500, reason: 'unknown_action' };
  if (resource.kind === 'missing') return { allowed: false, status: 404, reason: 'not_found' };
  const held = principal.roles.filter((r) => r.projectId === resource.projectId);
  if (held.length === 0 && !principal.platformAdmin) return { allowed: false, status: 404, reason: 'not_found' };
  if (entry.platformAdmin && principal.platformAdmin) return { allowed: true, role: 'platform_admin', viaBreakGlass: false };
  const permitted = held.filter((r) => entry.roles.includes(r.role));
  if (permitted.length === 0) return { allowed: false, status: 403, reason: 'role' };
  const qualified = entry.qualified
    ? permitted.filter((r) => qualificationCovers(policy.roleQualifications[r.role], principal.qualifications, resource.modality, now))
    : permitted;
  const chosen = qualified.find((r) => !r.viaBreakGlass) ?? qualified[0];
  if (!chosen) return { allowed: false, status: 403, reason: 'qualification' };
  const refusal = agreementRefusal(principal.organisation, { ...resource.governance, projectId: resource.projectId }, chosen.role, entry.identifiable, now);
  if (refusal) return { allowed: false, status: 403, reason: 'agreement', agreement: refusal };
  return { allowed: true, role: chosen.role, viaBreakGlass: chosen.viaBreakGlass };
}
