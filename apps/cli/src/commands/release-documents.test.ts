import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoProjectSettings, liverCtLabelSchema, liverCtReviewProtocol, type Release } from '@delineate/schema';
import { configFromEnv, openPlatform } from '@delineate/server';
import { freezeRelease, LabelSchemaRepository, ProjectRepository, ReleaseRepository, ReviewProtocolRepository } from '@delineate/store';
import { runCli } from '../test/run-cli';

const run = runCli;

/** Open the platform of `env`, do `work`, close it (the CLI process needs the data folder to itself). */
async function withPlatform<T>(env: NodeJS.ProcessEnv, work: (p: Awaited<ReturnType<typeof openPlatform>>) => Promise<T>): Promise<T> {
  const platform = await openPlatform(configFromEnv(env), env);
  try {
    return await work(platform);
  } finally {
    await platform.blobs.close();
    await platform.database.close();
  }
}

/**
 * `delineate release documents` in its own process: the documents recorded when this process froze
 * the release are generated again from the records by the CLI, byte for byte; a recorded hash
 * that no longer matches makes it exit 1 naming the file.
 */
describe('delineate release documents', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let frozen: Release;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-cli-documents-'));
    env = { ...process.env, DELINEATE_DATA: join(dir, 'data'), DELINEATE_LOG_LEVEL: 'silent' };
    frozen = await withPlatform(env, async ({ database, blobs }) => {
      const db = database.db;
      const labelSchema = await new LabelSchemaRepository(db).create(liverCtLabelSchema);
      const protocol = await new ReviewProtocolRepository(db).create(liverCtReviewProtocol);
      const project = await new ProjectRepository(db).create({
        ...demoProjectSettings,
        name: 'cli-documents',
        labelSchema: { id: labelSchema.id, version: labelSchema.version },
        reviewProtocol: { id: protocol.id, version: protocol.version },
      });
      const draft = await new ReleaseRepository(db).createDraft({
        projectId: project.id,
        name: 'documents only',
        manifest: {
          format: 2, projectId: project.id, labelSchema: { id: labelSchema.id, version: labelSchema.version }, reviewProtocol: { id: protocol.id, version: protocol.version },
          labels: labelSchema.labels.map((l) => ({ key: l.key, value: l.value, name: l.name })), filter: {}, consensusMethod: 'staple', items: [], excluded: [],
        },
      });
      return freezeRelease(db, blobs, draft.id);
    });
  }, 120_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('regenerates every document in a separate process to the SHA-256 recorded at freeze', async () => {
    const out = join(dir, 'documents');
    const result = await run(['release', 'documents', frozen.id, '--out', out], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('12 document file(s) regenerated: every one matches its recorded hash');
    const files = (await readdir(out)).sort();
    expect(files).toEqual(frozen.documents.map((d) => d.kind).sort());
    for (const d of frozen.documents) expect(createHash('sha256').update(await readFile(join(out, d.kind))).digest('hex'), d.kind).toBe(d.hash);
  }, 120_000);

  it('exits 1 naming the file whose recorded hash differs', async () => {
    const wrong = 'f'.repeat(64);
    await withPlatform(env, ({ database }) => new ReleaseRepository(database.db).addDocument(frozen.id, { kind: 'qa_results.pdf', hash: wrong }));
    const result = await run(['release', 'documents', frozen.id, '--out', join(dir, 'again')], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`DIFFERS  qa_results.pdf`);
    expect(result.stdout).toContain(`(recorded ${wrong})`);
  }, 120_000);
});
