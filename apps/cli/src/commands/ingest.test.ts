import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCtPhantom } from '@delineate/formats';
import { demoProjectSettings, liverCtLabelSchema, liverCtReviewProtocol } from '@delineate/schema';
import { configFromEnv, openPlatform } from '@delineate/server';
import { LabelSchemaRepository, ProjectRepository, ReviewProtocolRepository } from '@delineate/store';
import { dciodvfyAvailable, requireTestData } from '@delineate/testkit';
import { runCli } from '../test/run-cli';

const run = runCli;

describe.skipIf(!dciodvfyAvailable())('delineate ingest', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let projectId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-cli-ingest-'));
    env = { ...process.env, DELINEATE_DATA: join(dir, 'data'), DELINEATE_LOG_LEVEL: 'silent' };
    const { database, blobs } = await openPlatform(configFromEnv(env), env);
    try {
      const labelSchema = await new LabelSchemaRepository(database.db).create(liverCtLabelSchema);
      const protocol = await new ReviewProtocolRepository(database.db).create(liverCtReviewProtocol);
      const project = await new ProjectRepository(database.db).create({
        ...demoProjectSettings,
        name: 'cli-ingest',
        labelSchema: { id: labelSchema.id, version: labelSchema.version },
        reviewProtocol: { id: protocol.id, version: protocol.version },
      });
      projectId = project.id;
    } finally {
      await blobs.close();
      await database.close();
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports every file of a batch on its own line and does not stop at a bad one', { timeout: 180_000 }, async () => {
    // Named after a patient, as export folders often are: the report must not repeat it.
    const input = join(dir, 'Doe^Jane-export');
    await mkdir(input);
    const phantom = generateCtPhantom({ slices: 2, rows: 16, columns: 16, seed: 51 });
    await writeFile(join(input, '1-ct.dcm'), phantom.slices[0]!.bytes);
    await copyFile(requireTestData('dicom/pydicom/test-SR.dcm'), join(input, '2-sr.dcm'));
    await copyFile(requireTestData('dicom/pydicom/MR_truncated.dcm'), join(input, '3-truncated.dcm'));
    await writeFile(join(input, '4-ct.dcm'), phantom.slices[1]!.bytes);
    await writeFile(join(input, '5-ct-again.dcm'), phantom.slices[1]!.bytes);

    const result = await run(['ingest', input, '--project', projectId], env);
    const lines = result.stdout.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(6);
    expect(lines[0]).toMatch(/^passed\s+#1 [0-9a-f]{16}: item /);
    expect(lines[1]).toMatch(/^passed\s+#2 [0-9a-f]{16}: non-image object of its study$/);
    expect(lines[2]).toMatch(/^rejected\s+#3 [0-9a-f]{16}: DLN_DICOM_INVALID /);
    expect(lines[3]).toMatch(/^passed\s+#4 /);
    expect(lines[4]).toMatch(/^duplicate\s+#5 [0-9a-f]{16}: DLN_INGEST_DUPLICATE /);
    expect(lines[5]).toBe('3 passed, 0 quarantined, 1 rejected, 1 duplicates; 1 items recorded');
    expect(result.stdout).not.toMatch(/Doe|Phantom|PHANTOM|Test\^S R/);
    // Not everything passed: the same exit status as `delineate deid` gives.
    expect(result.code).toBe(3);
  });
  it('converts the slides of a batch (an SVS and a DICOM whole-slide image) beside its DICOM images', { timeout: 180_000 }, async () => {
    const input = join(dir, 'slides');
    await mkdir(input);
    await copyFile(requireTestData('wsi/small.svs'), join(input, '1-small.svs'));
    await writeFile(join(input, '2-ct.dcm'), generateCtPhantom({ slices: 1, rows: 16, columns: 16, seed: 52 }).slices[0]!.bytes);
    await copyFile(requireTestData('dicom/highdicom/sm_image.dcm'), join(input, '3-sm.dcm'));
    const result = await run(['ingest', input, '--project', projectId], env);
    const lines = result.stdout.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(4);
    expect(lines[0]).toMatch(/^passed\s+#1 [0-9a-f]{16}: slide item [0-9a-f-]{36}$/);
    expect(lines[1]).toMatch(/^passed\s+#2 [0-9a-f]{16}: item /);
    expect(lines[2]).toMatch(/^passed\s+#3 [0-9a-f]{16}: slide item [0-9a-f-]{36}$/);
    expect(lines[3]).toBe('3 passed, 0 quarantined, 0 rejected, 0 duplicates; 3 items recorded');
    expect(result.stdout + result.stderr).not.toMatch(/CMU-1|Test\^Patient/);
    expect(result.code).toBe(0);
  });
});
