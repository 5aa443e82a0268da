import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AuditLog,
  auditCheckpointPath,
  auditKeyFingerprint,
  auditKeyPath,
  FileAuditAnchor,
  loadOrCreateAuditKey,
  migrate,
  openDatabase,
  readCheckpoints,
  sealAuditRow,
  signCheckpoint,
  testing,
  type AuditEntry,
  type AuditRecord,
  type Database,
} from '@delineate/store';
import { main } from '../main';
import { describeVerifyResult, exportAudit, verifyAudit } from './audit';

/** Untyped writes to the audit table, as an attacker with database access would make. */
interface Filter {
  where(column: string, op: string, value: unknown): { execute(): Promise<unknown> };
}
interface RawTables {
  updateTable(table: 'audit_events' | 'audit_chain_head'): { set(values: Record<string, unknown>): Filter };
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

/** Verification under the policy `fill` writes with, just after its last event. */
const fillVerify = {
  env: { DELINEATE_AUDIT_CHECKPOINT_EVENTS: '5', DELINEATE_AUDIT_CHECKPOINT_MINUTES: '1440' },
  now: new Date('2026-04-01T00:20:00Z'),
};

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
        const clean = await verifyAudit(database, dataDir, fillVerify);
        expect(clean, name).toMatchObject({ ok: true, rowsChecked: 12, checkpointsChecked: 2 });
        await tamper(database.db);
        const result = await verifyAudit(database, dataDir, fillVerify);
        expect(result, name).toMatchObject({ ok: false, firstBadSequence: bad });
        expect(describeVerifyResult(result)).toContain(`first bad sequence ${bad}`);
      } finally {
        await database.close();
      }
    }
  }, 120_000);

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
  }, 120_000);
});

/**
 * The attacks of issue 11 on a log written with a checkpoint every 5 events or 10 minutes and
 * an anchor file outside the data folder. The attacker holds the data folder and the database
 * (and so the signing key beside the data), not the anchor nor the key an operator recorded.
 */
describe('delineate audit verify against an anchor outside the data folder', () => {
  const policyEnv = { DELINEATE_AUDIT_CHECKPOINT_EVENTS: '5', DELINEATE_AUDIT_CHECKPOINT_MINUTES: '10' };

  interface Setup {
    database: Database;
    dataDir: string;
    log: AuditLog;
    env: Record<string, string>;
    publicKeyFile: string;
    fingerprint: string;
    advance(ms: number): void;
    now(): Date;
  }

  /** An honest server: 12 events a minute apart, checkpoints at rows 5 and 10, rows 11–12 not yet anchored. */
  async function honest(events = 12): Promise<Setup> {
    const dataDir = await tempDir();
    const outside = await tempDir();
    const database = await testing.createTestDatabase('pglite');
    const key = await loadOrCreateAuditKey(dataDir);
    const publicKeyFile = join(outside, 'audit-ed25519.pub.pem');
    await writeFile(publicKeyFile, key.publicKey.export({ type: 'spki', format: 'pem' }));
    const anchorPath = join(outside, 'anchor', 'checkpoints.jsonl');
    let t = Date.parse('2026-04-01T00:00:00Z');
    const now = () => new Date(t);
    const log = new AuditLog(database.db, {
      now,
      checkpoints: { dataDir, key, everyEvents: 5, everyMs: 600_000, graceMs: 120_000, anchor: new FileAuditAnchor(anchorPath) },
    });
    for (let i = 1; i <= events; i++) {
      t += 60_000;
      await log.append(entry(i));
    }
    t += 60_000;
    const env = { ...policyEnv, DELINEATE_AUDIT_ANCHOR: anchorPath };
    return { database, dataDir, log, env, publicKeyFile, fingerprint: auditKeyFingerprint(key.publicKey), advance: (ms) => (t += ms), now };
  }

  /** Rewrites row `from` and re-chains every row after it, with the chain head, as one with the database can. */
  async function rewriteFrom(database: Database, from: number): Promise<void> {
    const rows: AuditRecord[] = [];
    for await (const row of new AuditLog(database.db, { now: () => new Date() }).rows()) rows.push(row);
    let previous = rows[from - 2]?.hash ?? null;
    for (const row of rows.slice(from - 1)) {
      const { sequence, time, hash: _old, previousHash: _previous, ...fields } = row;
      const changed = sequence === from ? { ...fields, outcome: 'denied' as const } : fields;
      const sealed = sealAuditRow(changed, sequence, time, previous);
      await raw(database.db)
        .updateTable('audit_events')
        .set({ outcome: sealed.outcome, previous_hash: sealed.previousHash, hash: sealed.hash })
        .where('sequence', '=', sequence)
        .execute();
      previous = sealed.hash;
    }
    await raw(database.db).updateTable('audit_chain_head').set({ hash: previous }).where('id', '=', 1).execute();
  }

  /** Re-signs the data folder's checkpoints over the rewritten rows with the key beside the data. */
  async function resignCheckpoints(setup: Setup, key = loadOrCreateAuditKey(setup.dataDir)): Promise<void> {
    const signing = await key;
    const hashes = new Map<number, string>();
    for await (const row of setup.log.rows()) hashes.set(row.sequence, row.hash);
    const { checkpoints } = await readCheckpoints(setup.dataDir);
    const lines = checkpoints.map((c) => JSON.stringify(signCheckpoint(signing, { sequence: c.sequence, hash: hashes.get(c.sequence)!, time: c.time })));
    await writeFile(auditCheckpointPath(setup.dataDir), `${lines.join('\n')}\n`);
  }

  async function verifyWith(setup: Setup, options: { anchor?: boolean; publicKey?: boolean; strict?: boolean } = {}) {
    const { anchor = true, publicKey = true, strict = false } = options;
    const env = anchor ? setup.env : policyEnv;
    return verifyAudit(setup.database, setup.dataDir, { env, now: setup.now(), strict, ...(publicKey ? { publicKey: setup.publicKeyFile } : {}) });
  }

  async function withHonest(work: (setup: Setup) => Promise<void>): Promise<void> {
    const setup = await honest();
    try {
      await work(setup);
    } finally {
      await setup.database.close();
    }
  }

  it('passes the honest log, prints the key fingerprint first and says how many rows are not yet anchored', async () => {
    await withHonest(async (setup) => {
      const result = await verifyWith(setup, { strict: true });
      expect(result).toMatchObject({ ok: true, rowsChecked: 12, checkpointsChecked: 2, anchorCheckpoints: 2, unanchoredRows: 2, keySource: 'given', warnings: [] });
      const text = describeVerifyResult(result).split('\n');
      expect(text[0]).toBe(`audit public key ${setup.fingerprint} (given with --public-key); record this fingerprint outside the data folder`);
      expect(text.at(-1)).toContain('2 row(s) after the last anchored checkpoint are not yet anchored');
    });
  });

  it('warns when the only key is the one beside the data, and --strict refuses it with a code', async () => {
    await withHonest(async (setup) => {
      const lax = await verifyWith(setup, { publicKey: false, anchor: false });
      expect(lax).toMatchObject({ ok: true, keySource: 'data_folder' });
      expect(describeVerifyResult(lax)).toMatch(/WARNING: the public key was taken from the data folder/);
      expect(describeVerifyResult(lax)).toMatch(/WARNING: no anchor/);
      const strict = await verifyWith(setup, { publicKey: false, strict: true });
      expect(strict).toMatchObject({ ok: false, code: 'DLN_AUDIT_UNANCHORED', problem: 'not_anchored' });
      expect(describeVerifyResult(strict).split('\n').at(-1)).toMatch(/^audit log FAILED verification \[DLN_AUDIT_UNANCHORED\] --strict needs --public-key/);
    });
  });

  it('fails when the checkpoint file is deleted (with the anchor, and by the policy alone)', async () => {
    await withHonest(async (setup) => {
      await rm(auditCheckpointPath(setup.dataDir));
      const anchored = await verifyWith(setup);
      expect(anchored).toMatchObject({ ok: false, code: 'DLN_AUDIT_CHECKPOINT_MISSING', problem: 'checkpoint_missing', firstBadSequence: 5 });
      expect(anchored.reason).toBe('the checkpoint at row 5 is in the anchor but was removed from the data folder');
      const policyOnly = await verifyWith(setup, { anchor: false });
      expect(policyOnly).toMatchObject({ ok: false, code: 'DLN_AUDIT_CHECKPOINT_MISSING', firstBadSequence: 1 });
    });
  });

  it('fails when rows are rewritten and the checkpoints re-signed with the key beside the data', async () => {
    await withHonest(async (setup) => {
      await rewriteFrom(setup.database, 3);
      await resignCheckpoints(setup);
      const result = await verifyWith(setup);
      expect(result).toMatchObject({ ok: false, code: 'DLN_AUDIT_ANCHOR_MISMATCH', problem: 'anchor_mismatch', firstBadSequence: 5 });
      expect(describeVerifyResult(result).split('\n').at(-1)).toMatch(/^audit log FAILED verification \[DLN_AUDIT_ANCHOR_MISMATCH\] rows up to 5 differ from what the anchored checkpoint signed/);
      // Without the anchor only --strict says that the data folder cannot prove this log.
      expect(await verifyWith(setup, { anchor: false, strict: true })).toMatchObject({ ok: false, code: 'DLN_AUDIT_UNANCHORED' });
    });
  });

  it('fails when the key beside the data is replaced and the checkpoints re-signed with it', async () => {
    await withHonest(async (setup) => {
      await rewriteFrom(setup.database, 3);
      const { privateKey } = generateKeyPairSync('ed25519');
      await writeFile(auditKeyPath(setup.dataDir), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      await rm(join(setup.dataDir, 'keys', 'audit-ed25519.pub.pem'));
      await resignCheckpoints(setup);
      const result = await verifyWith(setup, { anchor: false });
      expect(result).toMatchObject({ ok: false, code: 'DLN_AUDIT_CHECKPOINT_INVALID', problem: 'checkpoint_signature_invalid', firstBadSequence: 5 });
      expect(result.keyFingerprint).toBe(setup.fingerprint);
      expect(result.warnings).toContainEqual(expect.stringMatching(/^the key in the data folder \(SHA256:.+\) is not the given one/));
    });
  });

  it('fails when a row after the last checkpoint is changed and re-chained', async () => {
    await withHonest(async (setup) => {
      await rewriteFrom(setup.database, 11);
      // The writer checkpoints what it wrote, not what the table now says …
      setup.advance(600_000);
      await setup.log.checkpointIfDue();
      const caught = await verifyWith(setup);
      expect(caught).toMatchObject({ ok: false, code: 'DLN_AUDIT_CHAIN_BROKEN', problem: 'checkpoint_mismatch', firstBadSequence: 12 });
      // … and refuses to chain further events onto rows changed behind it.
      await expect(setup.log.append(entry(13))).rejects.toMatchObject({ code: 'DLN_AUDIT_CHAIN_BROKEN' });
    });
    await withHonest(async (setup) => {
      // With the writer gone, the rows stay unanchored past their due time: that fails too.
      await rewriteFrom(setup.database, 11);
      setup.advance(15 * 60_000);
      const result = await verifyWith(setup);
      expect(result).toMatchObject({ ok: false, code: 'DLN_AUDIT_CHECKPOINT_MISSING', problem: 'checkpoint_overdue', firstBadSequence: 11 });
      expect(result.reason).toBe('rows from 11 on have no checkpoint although one was due at 2026-04-01T00:20:00.000Z');
    });
  });

  it('fails when one checkpoint in the middle is dropped (with the anchor, and by the policy alone)', async () => {
    await withHonest(async (setup) => {
      const text = await readFile(auditCheckpointPath(setup.dataDir), 'utf8');
      await writeFile(auditCheckpointPath(setup.dataDir), text.split('\n').filter((line) => !line.includes('"sequence":5')).join('\n'));
      expect(await verifyWith(setup)).toMatchObject({ ok: false, code: 'DLN_AUDIT_CHECKPOINT_MISSING', problem: 'checkpoint_missing', firstBadSequence: 5 });
      const policyOnly = await verifyWith(setup, { anchor: false });
      expect(policyOnly).toMatchObject({ ok: false, code: 'DLN_AUDIT_CHECKPOINT_MISSING', problem: 'checkpoint_missing', firstBadSequence: 1 });
      expect(policyOnly.reason).toBe('no checkpoint covers rows 1–5 although 5 events were reached');
    });
  });

  it('runs as `delineate audit verify --public-key <file> --strict` with the anchor from the environment', async () => {
    const dataDir = await tempDir();
    const outside = await tempDir();
    const database = await openDatabase({ dataDir });
    await migrate(database.db);
    const key = await loadOrCreateAuditKey(dataDir);
    const anchorPath = join(outside, 'anchor.jsonl');
    const log = new AuditLog(database.db, {
      now: () => new Date(),
      checkpoints: { dataDir, key, everyEvents: 5, everyMs: 600_000, anchor: new FileAuditAnchor(anchorPath) },
    });
    for (let i = 1; i <= 7; i++) await log.append(entry(i));
    await log.checkpointNow(); // what the server does when it stops
    await database.close();
    const publicKeyFile = join(outside, 'audit.pub.pem');
    await writeFile(publicKeyFile, key.publicKey.export({ type: 'spki', format: 'pem' }));
    vi.stubEnv('DELINEATE_DATA', dataDir);
    vi.stubEnv('DATABASE_URL', '');
    vi.stubEnv('DELINEATE_AUDIT_ANCHOR', anchorPath);
    for (const [name, value] of Object.entries(policyEnv)) vi.stubEnv(name, value);
    const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await main(['audit', 'verify', '--public-key', publicKeyFile, '--strict'])).toBe(0);
    const printed = out.mock.calls.flat().join('\n');
    expect(printed).toContain(`audit public key ${auditKeyFingerprint(key.publicKey)} (given with --public-key)`);
    expect(printed).toContain(`anchor: file ${anchorPath} (2 checkpoints)`);
    expect(printed).toContain('0 row(s) after the last anchored checkpoint are not yet anchored');
    out.mockClear();
    await rm(auditCheckpointPath(dataDir));
    expect(await main(['audit', 'verify', '--public-key', publicKeyFile, '--strict'])).toBe(1);
    expect(out.mock.calls.flat().join('\n')).toContain('[DLN_AUDIT_CHECKPOINT_MISSING] the checkpoint at row 5 is in the anchor but was removed from the data folder');
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    vi.stubEnv('DELINEATE_AUDIT_ANCHOR', join(dataDir, 'inside.jsonl'));
    expect(await main(['audit', 'verify', '--public-key', publicKeyFile])).toBe(2);
    expect(errors.mock.calls.flat().join('\n')).toBe('delineate audit verify: the audit log could not be verified: DELINEATE_AUDIT_ANCHOR must lie outside the data folder (DELINEATE_DATA) [DLN_CONFIG_INVALID]');
    vi.unstubAllEnvs();
  }, 120_000);
});
