import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTION_JOB_KIND } from '@delineate/schema';
import { JobQueue, ProjectRepository, testing, type Database, type GateBed } from '@delineate/store';
import { DEFAULT_MAX_DECODED_BYTES } from '@delineate/formats';
import { deflatedBomb, stepMemory } from '@delineate/testkit';
import { jobHandlers } from './jobs';

// The steward's redaction route queues a job that `delineate start` runs in the process that
// serves the API: the quarantined file goes through the gate in a worker thread, and a bomb
// comes back as a coded record while this process stays small.
describe('the redaction job of delineate start', () => {
  let bed: GateBed;
  let database: Database;
  let blobs: GateBed['blobs'];
  let projectId: string;
  const clock = () => new Date();

  beforeAll(async () => {
    bed = await testing.openGateBed('pglite');
    ({ database, blobs } = bed);
    projectId = await testing.createDemoProject(database);
  });
  afterAll(() => bed?.close());

  it('refuses a quarantined decompression bomb in its gate thread with DLN_DICOM_TOO_LARGE', { timeout: 120_000 }, async () => {
    const recordId = await testing.keepQuarantinedSource(database.db, blobs, projectId, deflatedBomb(2 * 1024 ** 3), [{ stage: 'input', kind: 'malformed', code: 'DLN_DICOM_TOO_LARGE' }]);
    const project = await new ProjectRepository(database.db).get(projectId);
    const job = await new JobQueue(database.db, { clock }).enqueue({ kind: REDACTION_JOB_KIND, region: project.region, payload: { projectId, recordId, regions: [{ x: 0, y: 0, width: 8, height: 8 }] }, maxAttempts: 1 });
    // A rejected file fails the job with its code; nothing new is recorded.
    const { result: outcome, memory } = await stepMemory(() => jobHandlers()[REDACTION_JOB_KIND]!(job, { database, blobs, clock }).then(() => undefined, (error: unknown) => error));
    expect(outcome).toMatchObject({ code: 'DLN_DICOM_TOO_LARGE' });
    const records = await database.db.selectFrom('deid_records').select(['id', 'status']).where('project_id', '=', projectId).execute();
    expect(records).toEqual([{ id: recordId, status: 'quarantined' }]);
    // The job's own peak stays under the decoders' 512 MiB ceiling (the file claims 2 GiB); not the
    // process's lifetime peak, which on Node 24 can hold a 600 MB compile of the database's WebAssembly.
    if (memory) expect(memory.growth).toBeLessThan(DEFAULT_MAX_DECODED_BYTES);
    else expect(process.resourceUsage().maxRSS * 1024).toBeLessThan(1024 ** 3);
  });
});
