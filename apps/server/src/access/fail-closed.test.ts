import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../test/harness';
import { asUser } from '../test/auth';

describe('audit before answer', () => {
  let h: Harness;
  let headers: Record<string, string>;
  let annotationId: string;
  beforeAll(async () => {
    h = await startHarness('pglite');
    headers = await asUser(h, h.seeded.userId);
    const created = await h.server.app.inject({
      method: 'POST',
      url: `/api/items/${h.seeded.itemId}/annotations`,
      headers: { ...headers, 'content-type': 'application/json' },
      payload: { labelSchema: h.seeded.labelSchema },
    });
    annotationId = created.json().id;
  });
  afterAll(async () => h?.close());

  it('writes the event before the response, and answers nothing when the log cannot be written', async () => {
    const before = await h.server.app.accessRuntime.audit.range(new Date(0), new Date(Date.now() + 60_000));
    const ok = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}`, headers });
    expect(ok.statusCode).toBe(200);
    // No waiting for background writes: the event is already there when the response arrives.
    const after = await h.server.app.accessRuntime.audit.range(new Date(0), new Date(Date.now() + 60_000));
    expect(after.length).toBe(before.length + 1);

    await sql`alter table audit_events rename to audit_events_unavailable`.execute(h.database.db);
    try {
      const refused = await h.server.app.inject({ method: 'GET', url: `/api/annotations/${annotationId}`, headers });
      expect(refused.statusCode).toBe(503);
      expect(refused.json().code).toBe('DLN_STORE_UNAVAILABLE');
      expect(refused.body).not.toContain(h.seeded.itemId);
    } finally {
      await sql`alter table audit_events_unavailable rename to audit_events`.execute(h.database.db);
    }
  });
});
