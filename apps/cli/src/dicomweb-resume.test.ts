import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCtPhantom } from '@delineate/formats';
import { DicomwebClient, RetrievalRunner, type ReadMeter } from '@delineate/server';
import { AccessRepository, DicomwebRepository } from '@delineate/store';
import { orthancAvailable, startOrthanc, type OrthancServer } from '@delineate/testkit';
import { openReleaseScenario, type ReleaseScenario } from './release-scenario.fixture';

const SIZE = 256;
const SLICES = 8;

/**
 * A PACS retrieval is a durable job (issue 14): a runner stopped midway leaves it to the next
 * one, which finishes it without gating an instance twice; the job row holds the targets sealed;
 * instances wait for the gate in sealed files, so the reader never holds a series.
 */
describe.runIf(orthancAvailable())('DICOMweb retrieval across a restart, against a real Orthanc', () => {
  let s: ReleaseScenario;
  let orthanc: OrthancServer;
  const phantoms = [11, 12].map((seed) => generateCtPhantom({ slices: SLICES, rows: SIZE, columns: SIZE, seed, patientId: `RESUME-${seed}`, patientName: `Resume^${seed}` }));
  const sliceBytes = Math.max(...phantoms.flatMap((p) => p.slices.map((slice) => slice.bytes.length)));
  const seriesBytes = phantoms[0]!.slices.reduce((n, slice) => n + slice.bytes.length, 0);

  beforeAll(async () => {
    [s, orthanc] = await Promise.all([openReleaseScenario({ size: 16, slices: 2, series: [], ingestGate: true }), startOrthanc()]);
    await orthanc.load(phantoms.flatMap((p) => p.slices.map((slice) => slice.bytes)));
    const access = new AccessRepository(s.database.db);
    const user = await access.createUser({ username: `steward-${crypto.randomUUID().slice(0, 6)}`, displayName: 'steward', now: new Date() });
    await access.addMembership({ userId: user.id, projectId: s.projectId, role: 'data_steward', grantedBy: null, now: new Date() });
    s.users.steward = user.id;
  }, 180_000);
  afterAll(async () => {
    await s?.close();
    await orthanc?.stop();
  });

  const runner = (options: { leaseMs?: number; onInstance?: (n: number) => void; meter?: ReadMeter }) =>
    new RetrievalRunner({
      database: s.database,
      repository: new DicomwebRepository(s.database.db, { clock: () => new Date() }),
      ingest: s.ingest,
      key: s.platformKey,
      stagingDir: join(s.dir, 'dicomweb-staging'),
      clock: () => new Date(),
      region: 'local',
      clientOf: async () => new DicomwebClient({ baseUrl: orthanc.dicomWebUrl, username: orthanc.username, password: orthanc.password, timeoutMs: 20_000, maxInstanceBytes: 64 * 1024 ** 2 }),
      ...options,
    });

  it('is taken up by a new runner after the first stopped midway, ends complete, gates nothing twice and keeps no UID in clear', async () => {
    const targets = phantoms.map((p) => ({ studyInstanceUid: p.uids.study, seriesInstanceUid: p.uids.series }));
    // Stopped in the second series, after the first went through the gate.
    const first: RetrievalRunner = runner({ onInstance: (n) => n === SLICES + 3 && void first.stop() });
    const started = await first.start({ projectId: s.projectId, requestedBy: s.users.steward!, targets });
    await first.settled();
    const repository = new DicomwebRepository(s.database.db, { clock: () => new Date() });
    const midway = await repository.retrieval(s.projectId, started.id);
    expect(midway).toMatchObject({ status: 'running', passed: SLICES, targetsDone: 1 });
    expect(midway.itemIds).toHaveLength(1);

    // The job row, read as bytes: the targets are there only sealed.
    const jobs = await s.database.db.selectFrom('jobs').selectAll().where('kind', '=', 'dicomweb.retrieve').execute();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.status).toBe('running');
    const row = JSON.stringify(jobs);
    for (const p of phantoms) for (const uid of [p.uids.study, p.uids.series, ...p.uids.instances]) expect(row).not.toContain(uid);

    // A new runner (a restarted server) takes the retrieval once the first one's lease has lapsed.
    const meter: ReadMeter = { peakBytes: 0 };
    const second = runner({ leaseMs: 0, meter });
    await new Promise((resolve) => setTimeout(resolve, 5));
    second.wake();
    await second.settled();
    const done = await repository.retrieval(s.projectId, started.id);
    expect(done).toMatchObject({ status: 'succeeded', targets: 2, targetsDone: 2, received: 2 * SLICES, passed: 2 * SLICES, quarantined: 0, rejected: 0, duplicates: 0, errorCode: null });
    expect(done.itemIds).toHaveLength(2);
    expect((await s.database.db.selectFrom('jobs').select('status').where('id', '=', jobs[0]!.id).executeTakeFirstOrThrow()).status).toBe('succeeded');

    // The same items as an uninterrupted retrieval gives: one volume per series, every slice once.
    const items = await s.database.db.selectFrom('items').innerJoin('series', 'series.id', 'items.series_id').select(['items.id', 'series.id as seriesId']).where('items.project_id', '=', s.projectId).execute();
    expect(items.map((i) => i.id).sort()).toEqual([...done.itemIds].sort());
    for (const item of items) {
      const instances = await s.database.db.selectFrom('instances').select('id').where('series_id', '=', item.seriesId).execute();
      expect(instances).toHaveLength(SLICES);
    }
    const gated = await repository.gatedInstances(started.id);
    expect(gated.size).toBe(2 * SLICES);

    // Bounded memory: the reader held at most about one instance and a read, never a series.
    expect(meter.peakBytes).toBeGreaterThan(0);
    expect(meter.peakBytes).toBeLessThan(Math.max(2 * sliceBytes, sliceBytes + 256 * 1024));
    expect(meter.peakBytes).toBeLessThan(seriesBytes / 2);
  });
});
