import { QueryClient } from '@tanstack/react-query';
import { createMemoryHistory, isNotFound } from '@tanstack/react-router';
import { describe, expect, it } from 'vitest';
import { describeError } from '../api';
import { createAppRouter } from './router';

const item = '11111111-2222-4333-8444-555555555555';
const task = '0b6f2c52-52a4-4c1e-9d0a-3f3f3f3f3f3f';
const annotation = 'c4f1e2d3-0000-4000-8000-00000000abcd';
const project = '99999999-8888-4777-8666-555555555555';

/**
 * The router at an address, loaded as the browser would load it. Node runs the router in its
 * server mode, where it does not navigate: back and forward are checked in the browser (e2e).
 * Not found: no page matched (the router's `_notFound` mark, which renders the not-found page) or an id refused.
 */
async function routerAt(...entries: string[]) {
  const router = createAppRouter({ queryClient: new QueryClient(), history: createMemoryHistory({ initialEntries: entries }) });
  await router.load();
  return router;
}

const page = (router: Awaited<ReturnType<typeof routerAt>>) => {
  const leaf = router.state.matches.at(-1)!;
  return { route: leaf.routeId, params: leaf.params as Record<string, string>, search: leaf.search as Record<string, unknown>, status: leaf.status, error: leaf.error, notFound: router.state.matches.some((m) => m._notFound || isNotFound(m.error)) };
};

describe('the route tree', () => {
  it('opens every page from its address, as the links of today write them', async () => {
    expect(page(await routerAt('/')).route).toBe('/');
    expect(page(await routerAt('/projects')).route).toBe('/projects');
    expect(page(await routerAt(`/projects/${project}/settings`))).toMatchObject({ route: '/projects/$projectId/settings', params: { projectId: project } });
    expect(page(await routerAt(`/projects/${project}/quality`))).toMatchObject({ route: '/projects/$projectId/quality', params: { projectId: project } });
    expect(page(await routerAt(`/items/${item}?task=${task}&annotation=${annotation}`))).toMatchObject({
      route: '/items/$itemId',
      params: { itemId: item },
      search: { task, annotation },
      status: 'success',
    });
    expect(page(await routerAt(`/items/${item}?annotation=${annotation}&revision=2`)).search).toEqual({ annotation, revision: 2 });
  });

  it('opens the steward queue and a project quarantine with the held file an upload links to', async () => {
    expect(page(await routerAt('/steward')).route).toBe('/steward');
    expect(page(await routerAt(`/projects/${project}/quarantine?record=${item}`))).toMatchObject({ route: '/projects/$projectId/quarantine', params: { projectId: project }, search: { record: item }, status: 'success' });
    expect(page(await routerAt(`/projects/${project}/quarantine`)).search).toEqual({});
    const bad = page(await routerAt(`/projects/${project}/quarantine?record=7`));
    expect(bad.status).toBe('error');
    expect(describeError((bad.error as Error).cause)).toEqual({ code: 'DLN_WEB_LINK_INVALID', text: 'This link is not valid: its record is not an identifier.' });
    expect(page(await routerAt('/projects/123/quarantine')).notFound).toBe(true);
  });

  it('shows the not-found page for an unknown address or an id that is not one', async () => {
    for (const address of ['/nowhere', '/items', `/items/${item}/more`, '/items/not-an-id', `/projects/${project}`, '/projects/123/settings']) {
      const at = page(await routerAt(address));
      expect(at.notFound, address).toBe(true);
    }
    expect(page(await routerAt(`/items/${item}`)).notFound).toBe(false);
  });

  it('refuses an item link with a malformed task, in words with its code', async () => {
    const at = page(await routerAt(`/items/${item}?task=12`));
    expect(at.status).toBe('error');
    const cause = (at.error as Error).cause;
    expect(describeError(cause)).toEqual({ code: 'DLN_WEB_LINK_INVALID', text: 'This link is not valid: its task is not an identifier.' });
  });

  it('builds typed links into the same addresses', async () => {
    const router = await routerAt('/');
    expect(router.buildLocation({ to: '/items/$itemId', params: { itemId: item }, search: { task, annotation } }).href).toBe(`/items/${item}?task=${task}&annotation=${annotation}`);
    expect(router.buildLocation({ to: '/projects/$projectId/quality', params: { projectId: project } }).href).toBe(`/projects/${project}/quality`);
  });
});
