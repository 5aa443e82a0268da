import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCtPhantom, readDicomFile, setString, writeDicomFile } from '@delineate/formats';
import { DelineateError } from '@delineate/schema';
import { ProjectRepository, testing, type GateBed } from '@delineate/store';
import { requireTestData } from '@delineate/testkit';
import { ingestDicom } from './ingest';
import { checkModality } from './ingest-checks';
import { projectDeidSettings } from './project-deid';

const shared = (path: string) => new Uint8Array(readFileSync(requireTestData(path)));

describe('modality check at ingest', () => {
  let bed: GateBed;
  const clock = () => new Date();
  const deps = () => ({ database: bed.database, blobs: bed.blobs, clock });

  beforeAll(async () => {
    bed = await testing.openGateBed('pglite');
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('refuses an MR image into a CT project with a plain reason, and records nothing of it', { timeout: 120_000 }, async () => {
    const projectId = await testing.createDemoProject(bed.database, 'ct-only', ['CT']);
    expect((await new ProjectRepository(bed.database.db).get(projectId)).acceptedModalities).toEqual(['CT']);
    const ct = generateCtPhantom({ slices: 1, rows: 16, columns: 16, seed: 61 }).slices[0]!.bytes;
    const mr = shared('dicom/pydicom/MR_small.dcm');
    const report = await ingestDicom(deps(), [mr, ct], { projectId, ...(await projectDeidSettings(deps(), projectId)), validator: null });
    expect(report.files[0]).toMatchObject({ status: 'rejected', code: 'DLN_INGEST_MODALITY' });
    expect(report.files[0]!.reason).toBe("This project accepts CT images; this file is MR (add MR to the project's accepted modalities to take it)");
    expect(report.files[1]).toMatchObject({ status: 'passed' });
    expect(report.items).toHaveLength(1);
    // Refused before de-identification: no record, no source kept.
    const records = await bed.database.db.selectFrom('deid_records').select('source_hash').where('project_id', '=', projectId).execute();
    expect(records.map((r) => r.source_hash)).not.toContain(report.files[0]!.sourceSha256);
  });

  it('takes the MR image once the project lists MR', { timeout: 120_000 }, async () => {
    const projectId = await testing.createDemoProject(bed.database, 'ct-and-mr', ['CT', 'MR']);
    expect((await new ProjectRepository(bed.database.db).get(projectId)).acceptedModalities).toEqual(['CT', 'MR']);
    const report = await ingestDicom(deps(), [shared('dicom/pydicom/MR_small.dcm')], { projectId, ...(await projectDeidSettings(deps(), projectId)), validator: null });
    expect(report.files[0]).toMatchObject({ status: 'passed' });
    const series = await bed.database.db.selectFrom('series').select('modality').where('id', '=', report.items[0]!.seriesId).executeTakeFirstOrThrow();
    expect(series.modality).toBe('MR');
  });

  it('names an image without a Modality without quoting anything from it', () => {
    const file = readDicomFile(generateCtPhantom({ slices: 1, rows: 8, columns: 8, seed: 3 }).slices[0]!.bytes);
    setString(file.dataset, 0x00080060, 'CS', 'Smith^J');
    const edited = readDicomFile(writeDicomFile(file));
    let error: unknown;
    try {
      checkModality(edited.dataset, ['CT']);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DelineateError);
    expect((error as DelineateError).message).toContain('names no known Modality');
    expect((error as DelineateError).message).not.toContain('Smith');
    expect(() => checkModality(readDicomFile(generateCtPhantom({ slices: 1, rows: 8, columns: 8, seed: 4 }).slices[0]!.bytes).dataset, ['CT'])).not.toThrow();
  });
});
