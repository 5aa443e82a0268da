import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCtPhantom } from '@delineate/formats';
import { demoProjectSettings, liverCtLabelSchema, liverCtReviewProtocol } from '@delineate/schema';
import { configFromEnv, openPlatform } from '@delineate/server';
import { AccessRepository, LabelSchemaRepository, ProjectRepository, ReviewProtocolRepository } from '@delineate/store';
import { dciodvfyAvailable, requireTestData } from '@delineate/testkit';
import { serverFilePath } from './running-server';
import { cliBin, runCli } from './test/run-cli';

const bin = cliBin;
const run = runCli;

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One line naming the command, the reason and a code; nothing else. */
function expectOneLine(stderr: string, code: string): void {
  expect(stderr.trimEnd().split('\n'), stderr).toHaveLength(1);
  expect(stderr).toContain(`[${code}]`);
}

// The server runs the same gate as the CLI, with the IOD check always on.
describe.skipIf(!dciodvfyAvailable())('the CLI beside `delineate start` on the same data folder', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let projectId: string;
  let server: ChildProcess | undefined;
  let serverExit: Promise<number | null>;
  const steward = 'steward@example.org';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-beside-'));
    env = { ...process.env, DELINEATE_DATA: join(dir, 'data'), DELINEATE_LOG_LEVEL: 'silent', DATABASE_URL: '', DELINEATE_API_TOKEN: '' };
    const { database, blobs } = await openPlatform(configFromEnv(env), env);
    try {
      const labelSchema = await new LabelSchemaRepository(database.db).create(liverCtLabelSchema);
      const protocol = await new ReviewProtocolRepository(database.db).create(liverCtReviewProtocol);
      const project = await new ProjectRepository(database.db).create({
        ...demoProjectSettings,
        name: 'beside-server',
        labelSchema: { id: labelSchema.id, version: labelSchema.version },
        reviewProtocol: { id: protocol.id, version: protocol.version },
      });
      projectId = project.id;
      const access = new AccessRepository(database.db);
      // A data steward who is also a platform administrator: ingest needs the one, audit verification the other.
      const user = await access.createUser({ username: steward, displayName: 'Steward', platformAdmin: true, now: new Date() });
      await access.addMembership({ userId: user.id, projectId, role: 'data_steward', grantedBy: null, now: new Date() });
    } finally {
      await blobs.close();
      await database.close();
    }
    const child = spawn(process.execPath, [bin, 'start', '--port', '0', '--no-demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    serverExit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    let exited = false;
    void serverExit.then(() => (exited = true));
    await until(() => exited || existsSync(serverFilePath(join(dir, 'data'))), 120_000);
    expect(exited).toBe(false);
  }, 180_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await serverExit;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a token, ingests and verifies the audit log through the server while it holds the database', { timeout: 300_000 }, async () => {
    // The server file is for this user only: it holds the operator key.
    expect((await stat(serverFilePath(join(dir, 'data')))).mode & 0o077).toBe(0);

    const input = join(dir, 'Doe^Jane-export');
    await mkdir(input);
    const phantom = generateCtPhantom({ slices: 2, rows: 16, columns: 16, seed: 71 });
    await writeFile(join(input, '1-ct.dcm'), phantom.slices[0]!.bytes);
    await writeFile(join(input, '2-ct.dcm'), phantom.slices[1]!.bytes);

    // Without a token the CLI says how to get one, in one line, instead of the database lock.
    const refused = await run(['ingest', input, '--project', projectId], env);
    expect(refused.code).toBe(4);
    expectOneLine(refused.stderr, 'DLN_CLI_SERVER_RUNNING');
    expect(refused.stderr).toMatch(/A server is running on this data folder \(pid \d+, http:\/\/127\.0\.0\.1:\d+\): set DELINEATE_API_TOKEN/);

    const created = await run(['token', 'create', '--user', steward, '--scope', 'ingest,audit:read', '--expires', '1d'], env);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^dln_/);
    const withToken = { ...env, DELINEATE_API_TOKEN: token };

    const ingested = await run(['ingest', input, '--project', projectId], withToken);
    expect(ingested.stderr).toBe('');
    expect(ingested.code).toBe(0);
    expect(ingested.stdout.trim().split('\n').at(-1)).toBe('2 passed, 0 quarantined, 0 rejected, 0 duplicates; 1 items recorded');
    expect(ingested.stdout).not.toMatch(/Doe|PHANTOM|Phantom/);

    // The server's gate checks the modality too: an MR file into this CT project is refused.
    const mrFolder = join(dir, 'mr');
    await mkdir(mrFolder);
    await copyFile(requireTestData('dicom/pydicom/MR_small.dcm'), join(mrFolder, 'mr.dcm'));
    const mr = await run(['ingest', mrFolder, '--project', projectId], withToken);
    expect(mr.code).toBe(3);
    expect(mr.stdout).toMatch(/^rejected\s+#1 [0-9a-f]{16}: DLN_INGEST_MODALITY This project accepts CT images; this file is MR/);

    const verified = await run(['audit', 'verify'], withToken);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/audit log verified: \d+ rows/);

    // Out of scope: the token has no access-review scope, and says so in one line.
    const outOfScope = await run(['access-review', projectId], withToken);
    expect(outOfScope.code).toBe(5);
    expectOneLine(outOfScope.stderr, 'DLN_TOKEN_SCOPE');

    // Revoked through the server, refused at once.
    const listed = await run(['token', 'list', '--json'], env);
    const id = (JSON.parse(listed.stdout) as Array<{ id: string }>)[0]!.id;
    expect((await run(['token', 'revoke', id], env)).code).toBe(0);
    const afterRevoke = await run(['audit', 'verify'], withToken);
    expect(afterRevoke.code).toBe(5);
    expectOneLine(afterRevoke.stderr, 'DLN_TOKEN_REVOKED');

    // Commands that need the database itself say why in one line.
    const migrate = await run(['migrate'], env);
    expect(migrate.code).toBe(4);
    expectOneLine(migrate.stderr, 'DLN_CLI_SERVER_RUNNING');

    // A clean stop removes the server file; the CLI then opens the database itself as before.
    server!.kill('SIGTERM');
    expect(await serverExit).toBe(0);
    expect(existsSync(serverFilePath(join(dir, 'data')))).toBe(false);
    const direct = await run(['audit', 'verify'], env);
    expect(direct.code, direct.stderr).toBe(0);
    expect(direct.stdout).toMatch(/audit log verified/);
  });
});
