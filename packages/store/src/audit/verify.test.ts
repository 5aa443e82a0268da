import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealAuditRow, type AuditEntry, type AuditRecord } from './chain';
import {
  appendCheckpoint,
  auditKeyPath,
  loadOrCreateAuditKey,
  readCheckpoints,
  signCheckpoint,
  type AuditSigningKey,
} from './checkpoints';
import { verifyAuditRows } from './verify';

const entry = (i: number): AuditEntry => ({
  actorId: null,
  role: 'annotator',
  sessionId: `s${i % 3}`,
  address: '127.0.0.1',
  action: 'item.read',
  objectType: 'item',
  objectId: `item-${i}`,
  projectId: null,
  subjectPseudonym: null,
  purpose: 'annotation',
  outcome: 'success',
});

function chain(n: number): AuditRecord[] {
  const rows: AuditRecord[] = [];
  let previous: string | null = null;
  for (let i = 1; i <= n; i++) {
    const row = sealAuditRow(entry(i), i, new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), previous);
    rows.push(row);
    previous = row.hash;
  }
  return rows;
}

describe('audit chain verification', () => {
  let dir: string;
  let key: AuditSigningKey;
  const rows = chain(20);
  const checkpoint = () => signCheckpoint(key, { sequence: 15, hash: rows[14]!.hash, time: rows[14]!.time });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-audit-'));
    key = await loadOrCreateAuditKey(dir);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('keeps the signing key with mode 0600 and reloads the same key', async () => {
    expect((await stat(auditKeyPath(dir))).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateAuditKey(dir);
    expect(again.publicKey.export({ format: 'jwk' })).toEqual(key.publicKey.export({ format: 'jwk' }));
  });

  it('passes an untouched chain with its checkpoint', async () => {
    await appendCheckpoint(dir, checkpoint());
    const { checkpoints } = await readCheckpoints(dir);
    expect(checkpoints).toHaveLength(1);
    const result = await verifyAuditRows({ rows, checkpoints, publicKey: key.publicKey, head: { sequence: 20, hash: rows[19]!.hash } });
    expect(result).toEqual({ ok: true, rowsChecked: 20, lastSequence: 20, checkpointsChecked: 1 });
  });

  it('names a changed row', async () => {
    const tampered = rows.map((r) => (r.sequence === 7 ? { ...r, outcome: 'denied' as const } : r));
    const result = await verifyAuditRows({ rows: tampered, checkpoints: [checkpoint()], publicKey: key.publicKey });
    expect(result).toMatchObject({ ok: false, firstBadSequence: 7, problem: 'hash_mismatch' });
  });

  it('names a deleted row', async () => {
    const result = await verifyAuditRows({ rows: rows.filter((r) => r.sequence !== 9), checkpoints: [checkpoint()], publicKey: key.publicKey });
    expect(result).toMatchObject({ ok: false, firstBadSequence: 9, problem: 'sequence_gap' });
  });

  it('names the first of two reordered rows', async () => {
    const swapped = rows.map((r) =>
      r.sequence === 4 ? { ...rows[4]!, sequence: 4 } : r.sequence === 5 ? { ...rows[3]!, sequence: 5 } : r,
    );
    const result = await verifyAuditRows({ rows: swapped, checkpoints: [checkpoint()], publicKey: key.publicKey });
    expect(result).toMatchObject({ ok: false, firstBadSequence: 4 });
  });

  it('catches truncation after a checkpoint even when the rest re-chains', async () => {
    const result = await verifyAuditRows({ rows: rows.slice(0, 12), checkpoints: [checkpoint()], publicKey: key.publicKey });
    expect(result).toMatchObject({ ok: false, firstBadSequence: 13, problem: 'truncated' });
  });

  it('catches a whole chain rewritten from a point before the checkpoint', async () => {
    const rewritten: AuditRecord[] = [];
    let previous: string | null = null;
    for (const r of rows) {
      const e = r.sequence === 10 ? { ...entry(10), outcome: 'denied' as const } : entry(r.sequence);
      const row = sealAuditRow(e, r.sequence, r.time, previous);
      rewritten.push(row);
      previous = row.hash;
    }
    const result = await verifyAuditRows({ rows: rewritten, checkpoints: [checkpoint()], publicKey: key.publicKey });
    expect(result).toMatchObject({ ok: false, firstBadSequence: 15, problem: 'checkpoint_mismatch' });
  });

  it('refuses a forged checkpoint', async () => {
    const forged = { ...checkpoint(), hash: rows[13]!.hash, sequence: 14 };
    const result = await verifyAuditRows({ rows, checkpoints: [forged], publicKey: key.publicKey });
    expect(result).toMatchObject({ ok: false, problem: 'checkpoint_signature_invalid', firstBadSequence: 14 });
  });

  it('catches truncation against the chain head', async () => {
    const result = await verifyAuditRows({
      rows: rows.slice(0, 18),
      checkpoints: [],
      publicKey: key.publicKey,
      head: { sequence: 20, hash: rows[19]!.hash },
    });
    expect(result).toMatchObject({ ok: false, firstBadSequence: 19, problem: 'truncated' });
  });
});

describe('audit checkpoint policy and anchor', () => {
  let key: AuditSigningKey;
  let dir: string;
  const rows = chain(20);
  const at = (sequence: number, delayMs = 0) =>
    signCheckpoint(key, { sequence, hash: rows[sequence - 1]!.hash, time: new Date(Date.parse(rows[sequence - 1]!.time) + delayMs).toISOString() });
  const timeOf = (sequence: number) => new Date(rows[sequence - 1]!.time);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-audit-policy-'));
    key = await loadOrCreateAuditKey(dir);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const byCount = { everyEvents: 5, everyMs: 3_600_000, graceMs: 0 };
  const byTime = { everyEvents: 1000, everyMs: 5000, graceMs: 1000 };

  it('passes checkpoints that follow the count rule and says how many rows are not yet anchored', async () => {
    const result = await verifyAuditRows({ rows, checkpoints: [at(5), at(10), at(15)], publicKey: key.publicKey, policy: byCount, now: timeOf(20) });
    expect(result).toEqual({ ok: true, rowsChecked: 20, lastSequence: 20, checkpointsChecked: 3, unanchoredRows: 5 });
  });

  it('fails when a checkpoint the count rule requires is missing', async () => {
    const result = await verifyAuditRows({ rows, checkpoints: [at(5), at(15)], publicKey: key.publicKey, policy: byCount, now: timeOf(20) });
    expect(result).toMatchObject({ ok: false, problem: 'checkpoint_missing', code: 'DLN_AUDIT_CHECKPOINT_MISSING', firstBadSequence: 6 });
    expect(result.reason).toBe('no checkpoint covers rows 6–10 although 5 events were reached');
  });

  it('accepts a checkpoint at the end of the batch that passed the count', async () => {
    // Rows 4–7 are one append (one time), so the checkpoint after row 5 comes at row 7.
    const batch: AuditRecord[] = [];
    let previous: string | null = null;
    for (let i = 1; i <= 9; i++) {
      const time = new Date(Date.UTC(2026, 0, 1, 0, 0, i >= 4 && i <= 7 ? 4 : i)).toISOString();
      const row = sealAuditRow(entry(i), i, time, previous);
      batch.push(row);
      previous = row.hash;
    }
    const checkpoint = signCheckpoint(key, { sequence: 7, hash: batch[6]!.hash, time: batch[6]!.time });
    const now = new Date(batch[8]!.time);
    expect(await verifyAuditRows({ rows: batch, checkpoints: [checkpoint], publicKey: key.publicKey, policy: byCount, now })).toMatchObject({ ok: true, unanchoredRows: 2 });
  });

  it('fails when a checkpoint the time rule requires is missing, and when the last one is overdue', async () => {
    const honest = await verifyAuditRows({ rows, checkpoints: [at(6), at(12), at(18)], publicKey: key.publicKey, policy: byTime, now: timeOf(20) });
    expect(honest).toMatchObject({ ok: true, unanchoredRows: 2 });
    const gap = await verifyAuditRows({ rows, checkpoints: [at(6), at(18)], publicKey: key.publicKey, policy: byTime, now: timeOf(20) });
    expect(gap).toMatchObject({ ok: false, problem: 'checkpoint_missing', firstBadSequence: 7 });
    const late = await verifyAuditRows({ rows, checkpoints: [at(6), at(12, 4000), at(18)], publicKey: key.publicKey, policy: byTime, now: timeOf(20) });
    expect(late).toMatchObject({ ok: false, problem: 'checkpoint_missing', firstBadSequence: 7 });
    const overdue = await verifyAuditRows({ rows, checkpoints: [at(6), at(12), at(18)], publicKey: key.publicKey, policy: byTime, now: new Date(Date.parse(rows[18]!.time) + 60_000) });
    expect(overdue).toMatchObject({ ok: false, problem: 'checkpoint_overdue', code: 'DLN_AUDIT_CHECKPOINT_MISSING', firstBadSequence: 19 });
  });

  it('takes the anchor as the reference: a checkpoint removed from the file, added to it, or two anchored records that disagree fail', async () => {
    const anchor = { checkpoints: [at(5), at(10), at(15)], malformed: 0 };
    const ok = await verifyAuditRows({ rows, checkpoints: [at(5), at(10), at(15)], publicKey: key.publicKey, anchor });
    expect(ok).toMatchObject({ ok: true, anchorCheckpoints: 3, unanchoredRows: 5 });
    expect(await verifyAuditRows({ rows, checkpoints: [at(5), at(15)], publicKey: key.publicKey, anchor })).toMatchObject({
      ok: false,
      problem: 'checkpoint_missing',
      firstBadSequence: 10,
    });
    expect(await verifyAuditRows({ rows, checkpoints: [at(5), at(10), at(15), at(17)], publicKey: key.publicKey, anchor })).toMatchObject({
      ok: false,
      problem: 'anchor_mismatch',
      code: 'DLN_AUDIT_ANCHOR_MISMATCH',
      firstBadSequence: 17,
    });
    const forged = signCheckpoint(key, { sequence: 10, hash: rows[8]!.hash, time: rows[9]!.time });
    expect(await verifyAuditRows({ rows, checkpoints: [], publicKey: key.publicKey, anchor: { checkpoints: [...anchor.checkpoints, forged], malformed: 0 } })).toMatchObject({
      ok: false,
      problem: 'anchor_conflict',
    });
    expect(await verifyAuditRows({ rows, checkpoints: [], publicKey: key.publicKey, anchor: { checkpoints: [], malformed: 1 } })).toMatchObject({
      ok: false,
      problem: 'anchor_malformed',
    });
  });
});
