// Crash safety of group commit: a writer commits one revision of each of four annotations per
// group and is killed with SIGKILL at random moments (during pack writes, inside a group's
// statement, between groups). Afterwards every acknowledged revision is there with its mask
// hash, every index names only tiles that were written, and every group is all or nothing: the
// four annotations always have the same head.
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobKey } from '../blob/key';
import { LocalBlobStore } from '../blob/local';
import { openDatabase } from '../sql/database';
import { migrate } from '../sql/migrate';
import { seedProject } from '../test/fixtures';
import { AnnotationRepository } from './annotations';

const fixture = fileURLToPath(new URL('./group-crash.fixture.ts', import.meta.url));
const KILLS = 3;
const ANNOTATIONS = 4;

interface Ack {
  annotationId: string;
  version: number;
  maskHash: string;
}

function runAndKill(dataDir: string, key: BlobKey, userId: string, annotationIds: string[]): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir, userId, ...annotationIds], {
      env: { ...process.env, DELINEATE_KEY: key.material.toString('hex') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acks: Ack[] = [];
    let pending = '';
    let stderr = '';
    const killAfter = randomInt(ANNOTATIONS + 1, 4 * ANNOTATIONS);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const [annotationId, version, maskHash] = line.split(' ');
        acks.push({ annotationId: annotationId!, version: Number(version), maskHash: maskHash! });
      }
      // A random delay lands the kill anywhere in the next groups.
      if (acks.length >= killAfter && !child.killed) setTimeout(() => child.kill('SIGKILL'), randomInt(0, 60));
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acks);
      else reject(new Error(`writer exited with ${code}: ${stderr.slice(0, 2000)}`));
    });
  });
}

describe('revision group commit crash safety [pglite]', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dln-group-crash-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it(`keeps every acknowledged revision and every group whole across ${KILLS} SIGKILLs`, { timeout: 600_000 }, async () => {
    const key = BlobKey.generate();
    const setup = await openDatabase({ dataDir });
    await migrate(setup.db);
    const seed = await seedProject(setup.db);
    const item = await setup.db.selectFrom('items').select('series_id').where('id', '=', seed.itemId).executeTakeFirstOrThrow();
    await setup.db.updateTable('series').set({ rows: 64, columns: 64, slices: 1 }).where('id', '=', item.series_id!).execute();
    const annotationIds: string[] = [];
    const creator = new AnnotationRepository(setup.db);
    for (let i = 0; i < ANNOTATIONS; i++) {
      annotationIds.push((await creator.create({ projectId: seed.projectId, itemId: seed.itemId, labelSchema: { id: seed.labelSchemaId, version: 1 }, createdBy: seed.userId })).id);
    }
    await setup.close();

    const acks: Ack[] = [];
    for (let k = 0; k < KILLS; k++) acks.push(...(await runAndKill(dataDir, key, seed.userId, annotationIds)));

    const database = await openDatabase({ dataDir });
    const blobs = new LocalBlobStore({ dir: join(dataDir, 'blobs'), key });
    try {
      const repo = new AnnotationRepository(database.db, { blobs });
      const heads = await Promise.all(annotationIds.map(async (id) => (await repo.get(id)).headVersion));
      console.log(`group crash test: ${KILLS} kills, ${acks.length} acknowledged, heads ${heads.join(' ')}`);
      expect(acks.length).toBeGreaterThan(KILLS * ANNOTATIONS);
      // All or nothing: each group held one save of every annotation.
      expect(new Set(heads).size).toBe(1);
      for (const id of annotationIds) {
        const history = await repo.history(id);
        expect(history.map((r) => r.version)).toEqual(Array.from({ length: heads[0]! }, (_, i) => i + 1));
        // Every index names only tiles that exist and match their hashes.
        for (const r of history) expect(await repo.recomputeMaskHash(id, r.version)).toBe(r.maskHash);
      }
      for (const ack of acks) expect((await repo.getRevision(ack.annotationId, ack.version)).maskHash).toBe(ack.maskHash);
    } finally {
      await blobs.close();
      await database.close();
    }
  });
});
