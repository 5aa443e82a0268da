import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testing, type Database } from '@delineate/store';
import { installErrorHandling } from '../http/errors';
import { installAccess, type AccessRuntime } from './plugin';
import { defaultAccessSettings } from './settings';
import { FakeClock, seedProject } from './test/fixtures';
import { openTestSession } from './testing';

describe('access plugin', () => {
  let dir: string;
  let database: Database;
  const clock = new FakeClock();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-plugin-'));
    database = await testing.createTestDatabase('pglite');
  });
  afterAll(async () => {
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function app(settings = defaultAccessSettings): Promise<{ app: FastifyInstance; runtime: AccessRuntime }> {
    const instance = Fastify({ logger: false });
    installErrorHandling(instance);
    const runtime = await installAccess(instance, { database, now: clock.now, dataDir: dir, settings, regions: { database: 'local', blobStores: ['local'] } });
    return { app: instance, runtime };
  }

  it('refuses an API route without an action, or with an action the policy table does not list', async () => {
    const { app: a } = await app();
    expect(() => a.get('/api/unlisted', async () => 'x')).toThrow(/declares no action/);
    expect(() => a.get('/api/typo', { config: { action: 'item.raed', resource: 'item' } }, async () => 'x')).toThrow(/does not list/);
    expect(() => a.get('/favicon.ico', async () => 'x')).not.toThrow();
    await a.close();
  });

  it('aggregates tile reads into one audit event per object per session, with the count', async () => {
    const { app: a, runtime } = await app();
    a.get('/api/items/:itemId/tiles/:z/:x/:y', { config: { action: 'image.tile.read', resource: 'item' } }, async () => ({ ok: true }));
    await a.ready();
    const projectId = await seedProject(database.db);
    const item = await database.db
      .insertInto('subjects')
      .values({ project_id: projectId, pseudonym: 'S-1', age_band: 'unknown', sex: 'unknown' })
      .returning('id')
      .executeTakeFirstOrThrow()
      .then(async (subject) => {
        const study = await database.db.insertInto('studies').values({ subject_id: subject.id, study_instance_uid: `2.25.${Date.now()}` }).returning('id').executeTakeFirstOrThrow();
        const series = await database.db.insertInto('series').values({ study_id: study.id, series_instance_uid: `2.25.${Date.now()}1`, modality: 'CT' }).returning('id').executeTakeFirstOrThrow();
        return database.db.insertInto('items').values({ project_id: projectId, subject_id: subject.id, kind: 'series_volume', series_id: series.id }).returning('id').executeTakeFirstOrThrow();
      });
    const user = await runtime.repo.createUser({ username: 'tile-reader', displayName: 'Reader', now: clock.now() });
    const { headers } = await openTestSession(runtime, user.id, { grant: { projectId, roles: ['annotator'] } });
    const before = (await runtime.audit.head()).sequence;
    for (let i = 0; i < 25; i++) expect((await a.inject({ method: 'GET', url: `/api/items/${item.id}/tiles/0/${i}/0`, headers })).statusCode).toBe(200);
    await runtime.auditSettled();
    expect((await runtime.audit.head()).sequence).toBe(before);
    await runtime.tiles.flush();
    const events = (await runtime.audit.range(new Date(0), new Date(clock.now().getTime() + 1))).filter((e) => e.sequence > before);
    expect(events).toEqual([expect.objectContaining({ action: 'image.tile.read', objectId: item.id, projectId, subjectPseudonym: 'S-1', count: 25, outcome: 'success', actorId: user.id })]);
    await a.close();
  });

  it('creates the first platform administrator only while there are no accounts', async () => {
    const fresh = await testing.createTestDatabase('pglite');
    try {
      const first = Fastify({ logger: false });
      const settings = defaultAccessSettings;
      const bootstrapAdmin = { username: 'root', password: 'a long bootstrap passphrase' };
      const runtime = await installAccess(first, { database: fresh, now: clock.now, dataDir: dir, settings, regions: { database: 'local', blobStores: ['local'] }, bootstrapAdmin });
      expect(await runtime.repo.findUserByUsername('root')).toMatchObject({ platformAdmin: true });
      await first.close();
      const second = Fastify({ logger: false });
      const again = await installAccess(second, { database: fresh, now: clock.now, dataDir: dir, settings, regions: { database: 'local', blobStores: ['local'] }, bootstrapAdmin: { username: 'intruder', password: 'another long passphrase' } });
      expect(await again.repo.findUserByUsername('intruder')).toBeUndefined();
      await second.close();
    } finally {
      await fresh.close();
    }
  });

  it('warns in the log when MFA is relaxed for a demo', async () => {
    const instance = Fastify({ logger: false });
    const warn = vi.spyOn(instance.log, 'warn');
    await installAccess(instance, { database, now: clock.now, dataDir: dir, settings: { ...defaultAccessSettings, relaxMfa: true }, regions: { database: 'local', blobStores: ['local'] } });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('DELINEATE_DEMO_RELAX_MFA'));
    await instance.close();
  });
});
