import { describe, expect, it } from 'vitest';
import { demoUsers } from '@delineate/schema';
import { landingPath } from './landing';

const project = '0b6f2c52-52a4-4c1e-9d0a-3f3f3f3f3f3f';
const as = (role: string | null, platformAdmin = false) => ({ platformAdmin, roles: role ? [{ projectId: project, role, viaBreakGlass: false }] : [] });

describe('landing page by role', () => {
  it('sends every demo role to the page with its work', () => {
    const landed = Object.fromEntries(demoUsers.map((u) => [u.username, landingPath(as(u.role, u.platformAdmin))]));
    expect(landed).toMatchObject({
      'demo.admin': '/admin',
      'demo.annotator': '/',
      'demo.clinician': '/',
      'demo.reviewer': '/',
      'demo.expert': '/',
      'demo.projectadmin': `/projects/${project}/settings`,
      'demo.steward': '/steward',
      'demo.auditor': '/audit',
    });
  });

  it('puts work waiting on a person before the pages of their other roles', () => {
    const both = { platformAdmin: true, roles: [{ projectId: project, role: 'auditor', viaBreakGlass: false }, { projectId: project, role: 'reviewer', viaBreakGlass: false }] };
    expect(landingPath(both)).toBe('/');
    expect(landingPath({ platformAdmin: true, roles: [{ projectId: project, role: 'data_steward', viaBreakGlass: false }] })).toBe('/steward');
  });

  it('does not land on a page reached only through break-glass access', () => {
    expect(landingPath({ platformAdmin: false, roles: [{ projectId: project, role: 'project_admin', viaBreakGlass: true }] })).toBe('/');
  });
});
