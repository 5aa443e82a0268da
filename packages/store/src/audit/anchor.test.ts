import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditAnchorFromUrl, FileAuditAnchor, S3AuditAnchor } from './anchor';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import {
  appendCheckpoint,
  auditCheckpointPath,
  auditKeyFingerprint,
  auditKeyPath,
  loadOrCreateAuditKey,
  parseAuditPublicKey,
  signCheckpoint,
  type AuditSigningKey,
} from './checkpoints';
import { auditCheckpointSettingsFromEnv } from './config';
import { AuditLog } from './log';
import { describeStore } from '../test/describe-store';
import type { AuditEntry } from './chain';

const bucket = 'delineate-audit-anchor';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const entry = (i: number): AuditEntry => ({
  actorId: null,
  role: 'annotator',
  sessionId: 's',
  address: '127.0.0.1',
  action: 'item.read',
  objectType: 'item',
  objectId: `item-${i}`,
  projectId: null,
  subjectPseudonym: null,
  purpose: 'annotation',
  outcome: 'success',
});

let root: string;
let key: AuditSigningKey;
let server: S3rver;
let endpoint: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dln-anchor-'));
  key = await loadOrCreateAuditKey(join(root, 'keyholder'));
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(root, 's3'), configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

const checkpointAt = (sequence: number, time: string) => signCheckpoint(key, { sequence, hash: 'a'.repeat(64), time });

describe('audit anchor configuration', () => {
  it('refuses an anchor file inside the data folder, accepts one outside, and reads s3:// URLs', () => {
    const dataDir = join(root, 'data');
    expect(() => auditAnchorFromUrl(join(dataDir, 'anchor.jsonl'), dataDir)).toThrow(/outside the data folder/);
    expect(() => auditAnchorFromUrl(dataDir, dataDir)).toThrow(/outside the data folder/);
    expect(auditAnchorFromUrl(join(root, 'elsewhere', 'anchor.jsonl'), dataDir)).toBeInstanceOf(FileAuditAnchor);
    expect(auditAnchorFromUrl(undefined, dataDir)).toBeUndefined();
    const s3 = auditAnchorFromUrl(`s3://${bucket}/audit?endpoint=${endpoint}&lockMode=GOVERNANCE&retentionDays=30`, dataDir);
    expect(s3?.location).toBe(`s3://${bucket}/audit/ at ${endpoint}`);
    expect(() => auditAnchorFromUrl(`s3://${bucket}/audit?lockMode=none`, dataDir)).toThrow(expect.objectContaining({ code: 'DLN_CONFIG_INVALID' }));
    expect(() => auditAnchorFromUrl(`s3://${bucket}/audit?retentionDays=0`, dataDir)).toThrow(/retentionDays/);
    expect(() => auditAnchorFromUrl('https://example.org/anchor', dataDir)).toThrow(/file path, a file:\/\/ URL or an s3:\/\/ URL/);
    expect(() => auditCheckpointSettingsFromEnv({ DELINEATE_AUDIT_CHECKPOINT_EVENTS: '2.5' }, dataDir)).toThrow(/EVENTS must be a positive whole number/);
    expect(auditCheckpointSettingsFromEnv({ DELINEATE_AUDIT_CHECKPOINT_MINUTES: '0.5' }, dataDir).policy.everyMs).toBe(30_000);
  });

  it('takes the public key as a PEM file, PEM text or base64 SPKI, and refuses other key types', async () => {
    const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const file = join(root, 'given.pub.pem');
    await writeFile(file, pem);
    const der = key.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    for (const value of [file, pem, der]) expect(auditKeyFingerprint(await parseAuditPublicKey(value))).toBe(auditKeyFingerprint(key.publicKey));
    expect(auditKeyFingerprint(key.publicKey)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(parseAuditPublicKey(rsa)).rejects.toMatchObject({ code: 'DLN_CONFIG_INVALID', message: 'The audit public key must be an Ed25519 key' });
    await expect(parseAuditPublicKey(join(root, 'no-such-key.pem'))).rejects.toMatchObject({ code: 'DLN_CONFIG_INVALID' });
  });

  it('refuses to make a new signing key beside checkpoints signed with a lost one', async () => {
    const dataDir = await mkdtemp(join(root, 'lost-key-'));
    const first = await loadOrCreateAuditKey(dataDir);
    await appendCheckpoint(dataDir, signCheckpoint(first, { sequence: 1, hash: 'b'.repeat(64), time: '2026-04-01T00:00:00.000Z' }));
    await rm(auditKeyPath(dataDir));
    await expect(loadOrCreateAuditKey(dataDir)).rejects.toMatchObject({ code: 'DLN_CONFIG_INVALID' });
  });

  it('appends checkpoints to a file anchor as JSON lines and reads them back', async () => {
    const path = join(root, 'file-anchor', 'checkpoints.jsonl');
    const anchor = new FileAuditAnchor(path);
    expect(await anchor.read()).toEqual({ checkpoints: [], malformed: 0 });
    const a = checkpointAt(5, '2026-04-01T00:05:00.000Z');
    const b = checkpointAt(10, '2026-04-01T00:10:00.000Z');
    await anchor.append(a);
    await anchor.append(b);
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(2);
    expect(await anchor.read()).toEqual({ checkpoints: [a, b], malformed: 0 });
  });
});

describe('S3 audit anchor (s3rver)', () => {
  it('writes each checkpoint once as its own object with Object Lock retention and Content-MD5', async () => {
    const fixed = new Date('2026-04-01T00:00:00Z');
    const anchor = new S3AuditAnchor({ bucket, prefix: 'audit/run-1', endpoint, credentials, retentionDays: 10, now: () => fixed });
    const seen: Array<Record<string, string>> = [];
    anchor.client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { method?: string; headers?: Record<string, string> };
        if (request.method === 'PUT' && request.headers) seen.push({ ...request.headers });
        return next(args);
      },
      { step: 'finalizeRequest', name: 'captureAnchorPut' },
    );
    try {
      const a = checkpointAt(5, '2026-04-01T00:05:00.000Z');
      const b = checkpointAt(10, '2026-04-01T00:10:00.000Z');
      await anchor.append(a);
      await anchor.append(b);
      await anchor.append(b); // a retry of the same checkpoint is not an error and not a second object
      expect(await anchor.read()).toEqual({ checkpoints: [a, b], malformed: 0 });
      expect(anchor.objectKey(a)).toBe(`audit/run-1/0000000000000005-${Date.parse(a.time)}.json`);
      expect(seen).toHaveLength(3);
      expect(seen[0]).toMatchObject({
        'x-amz-object-lock-mode': 'COMPLIANCE',
        'x-amz-object-lock-retain-until-date': '2026-04-11T00:00:00Z',
        'if-none-match': '*',
        'content-type': 'application/json',
      });
      expect(seen[0]!['content-md5']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    } finally {
      await anchor.close();
    }
  });
});

describeStore('audit log with an S3 anchor', (getDb) => {
  it('sends every checkpoint to the bucket; verification notices one deleted from the data folder', async () => {
    const dataDir = await mkdtemp(join(root, 'data-'));
    const anchor = new S3AuditAnchor({ bucket, prefix: `audit/${crypto.randomUUID()}`, endpoint, credentials });
    let t = Date.parse('2026-04-01T00:00:00Z');
    const now = () => new Date(t);
    const policy = { everyEvents: 4, everyMs: 600_000, graceMs: 60_000 };
    const log = new AuditLog(getDb().db, { now, checkpoints: { dataDir, key, ...policy, anchor } });
    try {
      for (let i = 1; i <= 10; i++) {
        t += 60_000;
        await log.append(entry(i));
      }
      expect((await anchor.read()).checkpoints.map((c) => c.sequence)).toEqual([4, 8]);
      const options = { publicKey: key.publicKey, anchor, policy, now: new Date(t) };
      expect(await log.verify(dataDir, options)).toMatchObject({ ok: true, rowsChecked: 10, unanchoredRows: 2, anchorCheckpoints: 2 });
      await rm(auditCheckpointPath(dataDir));
      expect(await log.verify(dataDir, options)).toMatchObject({ ok: false, problem: 'checkpoint_missing', code: 'DLN_AUDIT_CHECKPOINT_MISSING', firstBadSequence: 4 });
    } finally {
      await anchor.close();
    }
  });
});
