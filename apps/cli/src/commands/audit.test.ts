import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuditLog, loadOrCreateAuditKey, migrate, openDatabase, testing, type AuditEntry, type Database } from '@delineate/store';
import { main } from '../main';
import { describeVerifyResult, exportAudit, verifyAudit } from './audit';

/** Untyped writes to the audit table, as an attacker with database access would make. */
interface Filter {
  where(column: string, op: string, value: unknown): { execute(): Promise<unknown> };
}
interface RawTables {
  updateTable(table: 'audit_events'): { set(values: Record<string, unknown>): Filter };
  deleteFrom(table: 'audit_events'): Filter;
}
const raw = (db: Database['db']) => db as unknown as RawTables;

const entry = (i: number): AuditEntry => ({
  actorId: null,
  role: 'annotator',
  sessionId: 's',
  address: '127.0.0.1',
  action: i % 2 ? 'image.read' : 'auth.login',
  objectType: 'item',
  objectId: `obj-${i}`,
  projectId: null,
  subjectPseudonym: null,
  purpose: null,
  outcome: 'success',
});

async function fill(database: Database, dataDir: string, n: number): Promise<void> {
  const key = await loadOrCreateAuditKey(dataDir);
  let t = Date.parse('2026-04-01T00:00:00Z');
  const log = new AuditLog(database.db, { now: () => new Date(t), checkpoints: { dataDir, key, everyEvents: 5, everyMs: 86_400_000 } });
  for (let i = 1; i <= n; i++) {
    t += 60_000;
    await log.append(entry(i));
  }
}

const dirs: string[] = [];
afterEach(async () => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dln-audit-cli-'));
  dirs.push(dir);
  return dir;
}

describe('delineate audit', () => {
  it('verifies an untouched log and names the first bad row of each tampering', async () => {
    const cases: Array<[string, (db: Database['db']) => Promise<unknown>, number]> = [
      ['changed row', (db) => raw(db).updateTable('audit_events').set({ object_id: 'other' }).where('sequence', '=', 3).execute(), 3],
      ['deleted row', (db) => raw(db).deleteFrom('audit_events').where('sequence', '=', 8).execute(), 8],
      ['truncated after a checkpoint', (db) => raw(db).deleteFrom('audit_events').where('sequence', '>', 6).execute(), 7],
    ];
    for (const [name, tamper, bad] of cases) {
      const dataDir = await tempDir();
      const database = await testing.createTestDatabase('pglite');
      try {
        await fill(database, dataDir, 12);
        const clean = await verifyAudit(database, dataDir);
        expect(clean, name).toMatchObject({ ok: true, rowsChecked: 12, checkpointsChecked: 2 });
        await tamper(database.db);
        const result = await verifyAudit(database, dataDir);
        expect(result, name).toMatchObject({ ok: false, firstBadSequence: bad });
        expect(describeVerifyResult(result)).toContain(`first bad sequence ${bad}`);
      } finally {
        await database.close();
      }
    }
  });

  it('exports a time range as FHIR and DICOM', async () => {
    const dataDir = await tempDir();
    const database = await testing.createTestDatabase('pglite');
    try {
      await fill(database, dataDir, 6);
      const range = { from: new Date('2026-04-01T00:02:00Z'), to: new Date('2026-04-01T00:04:00Z') };
      const fhir = JSON.parse(await exportAudit(database, range, 'fhir'));
      expect(fhir.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['2', '3']);
      const xml = await exportAudit(database, range, 'dicom');
      expect(xml.match(/<AuditMessage>/g)).toHaveLength(2);
      expect(xml).toContain('csd-code="110114"');
    } finally {
      await database.close();
    }
  });

  it('runs as `delineate audit verify` on the configured data folder, exit 1 naming the bad row', async () => {
    const dataDir = await tempDir();
    const database = await openDatabase({ dataDir });
    await migrate(database.db);
    await fill(database, dataDir, 7);
    await raw(database.db).updateTable('audit_events').set({ outcome: 'denied' }).where('sequence', '=', 4).execute();
    await database.close();
    vi.stubEnv('DELINEATE_DATA', dataDir);
    vi.stubEnv('DATABASE_URL', '');
    const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await main(['audit', 'verify'])).toBe(1);
    expect(out.mock.calls.flat().join('\n')).toContain('first bad sequence 4 (hash_mismatch)');
    vi.unstubAllEnvs();
  });
});
