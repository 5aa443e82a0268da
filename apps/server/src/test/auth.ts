import type { Harness } from './harness';

/**
 * Request headers that act as the given user. Until the access plugin is registered this marks
 * the request with a test principal through a test-only hook; it is the one place to change.
 */
export async function asUser(h: Harness, userId: string): Promise<Record<string, string>> {
  const app = h.server.app as unknown as { testPrincipals?: Map<string, string> };
  if (!app.testPrincipals) {
    const principals = new Map<string, string>();
    app.testPrincipals = principals;
    h.server.app.addHook('onRequest', async (request) => {
      const token = request.headers['x-test-user'];
      const id = typeof token === 'string' ? principals.get(token) : undefined;
      if (id) (request as unknown as { principal: unknown }).principal = { kind: 'user', userId: id };
    });
  }
  const token = crypto.randomUUID();
  app.testPrincipals.set(token, userId);
  return { 'x-test-user': token };
}
