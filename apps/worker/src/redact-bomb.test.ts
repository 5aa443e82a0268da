import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testing, type Database, type GateBed } from '@delineate/store';
import { deflatedBomb, stepMemory, type StepMemory } from '@delineate/testkit';
import { DEFAULT_MAX_DECODED_BYTES } from '@delineate/formats';
import { ingestDicom } from './ingest';
import { projectDeidSettings } from './project-deid';
import { redactQuarantined } from './redact';

const mib = (step: StepMemory | undefined) => (step ? (step.growth / 2 ** 20).toFixed(0) : 'unmeasured');

// The probe of issue 11: a 2 MB deflated DICOM expanded to gigabytes in ingest and in the
// steward's redaction job. Both now refuse it, coded, within the declared geometry's bound.
describe('a decompression bomb through ingest and the redaction job', () => {
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

  it('is refused with DLN_DICOM_TOO_LARGE at ingest, leaving nothing, and again when a steward redacts a kept one, without inflating it', { timeout: 120_000 }, async () => {
    const bomb = deflatedBomb(2 * 1024 ** 3);
    expect(bomb.length).toBeLessThan(3 * 1024 * 1024);
    const settings = await projectDeidSettings({ database, blobs, clock }, projectId);
    const { result: ingested, memory: atIngest } = await stepMemory(() => ingestDicom({ database, blobs, clock }, [bomb], { projectId, ...settings, validator: null }));
    expect(ingested).toMatchObject({ passed: 0, quarantined: 0, rejected: 1, items: [] });
    expect(ingested.files[0]).toMatchObject({ status: 'rejected', code: 'DLN_DICOM_TOO_LARGE' });
    const before = await database.db.selectFrom('deid_records').select('id').where('project_id', '=', projectId).execute();
    expect(before).toHaveLength(0);

    // A bomb kept in quarantine (by an earlier gate) is refused again when a steward redacts it.
    const recordId = await testing.keepQuarantinedSource(database.db, blobs, projectId, bomb, [{ stage: 'input', kind: 'malformed', code: 'DLN_DICOM_TOO_LARGE' }]);
    const { result: redacted, memory: atRedaction } = await stepMemory(() =>
      redactQuarantined({ database, blobs, clock }, { projectId, recordId, regions: [{ x: 0, y: 0, width: 8, height: 8 }] }, { name: 'none', process: () => Promise.reject(new Error('never reached')) }, null),
    );
    expect(redacted).toMatchObject({ passed: 0, quarantined: 0, rejected: 1, items: [] });
    expect(redacted.files[0]).toMatchObject({ status: 'rejected', code: 'DLN_DICOM_TOO_LARGE' });
    // Never near the 2 GiB the file claims (the probe saw 5 GB): each step adds less than the
    // decoders' 512 MiB ceiling at its worst. The step's own peak, not the process's lifetime one:
    // on Node 24 V8 may optimise a large function of the database's WebAssembly in a 600 MB zone
    // at any time (docs/production.md, Sizing).
    for (const step of [atIngest, atRedaction]) {
      if (step) expect(step.growth).toBeLessThan(DEFAULT_MAX_DECODED_BYTES);
      else expect(process.resourceUsage().maxRSS * 1024).toBeLessThan(1024 ** 3);
    }
    console.log(`decompression bomb: ingest added ${mib(atIngest)} MiB at its peak, redaction ${mib(atRedaction)} MiB`);
  });
});
