import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { appendFile, chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DelineateError } from '@delineate/schema';
import { canonicalJson } from './canonical-json';

/**
 * Signed checkpoints of the audit chain, kept outside the database: an attacker who can rewrite
 * the database cannot rewrite the checkpoint files or forge their Ed25519 signatures. The key
 * lives in `<dataDir>/keys/audit-ed25519.pem` (mode 0600), the checkpoints as JSON lines in
 * `<dataDir>/audit-checkpoints/checkpoints.jsonl`.
 */
export interface AuditCheckpoint {
  readonly sequence: number;
  readonly hash: string;
  readonly time: string;
  /** Base64 Ed25519 signature over the canonical JSON of { sequence, hash, time }. */
  readonly signature: string;
}

export interface AuditSigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export function auditKeyPath(dataDir: string): string {
  return join(dataDir, 'keys', 'audit-ed25519.pem');
}

export function auditCheckpointPath(dataDir: string): string {
  return join(dataDir, 'audit-checkpoints', 'checkpoints.jsonl');
}

/** Loads the signing key, creating it (mode 0600) on first use; refuses a key others can read. */
export async function loadOrCreateAuditKey(dataDir: string): Promise<AuditSigningKey> {
  const path = auditKeyPath(dataDir);
  let pem: string;
  try {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) {
      throw new DelineateError('DLN_CONFIG_INVALID', 'The audit signing key file must not be readable by group or others (chmod 600)');
    }
    pem = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // A new key beside existing checkpoints would quietly sign a second history: refuse.
    if ((await readCheckpoints(dataDir)).checkpoints.length > 0) {
      throw new DelineateError(
        'DLN_CONFIG_INVALID',
        'The audit signing key is missing but signed checkpoints exist: restore keys/audit-ed25519.pem (or move the checkpoint file aside on purpose)',
      );
    }
    await mkdir(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await writeFile(path, pem, { mode: 0o600, flag: 'wx' });
    await chmod(path, 0o600);
    const publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
    await writeFile(join(dataDir, 'keys', 'audit-ed25519.pub.pem'), publicPem, { mode: 0o644 });
  }
  const privateKey = createPrivateKey(pem);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/**
 * The public key that checks checkpoints: from `audit-ed25519.pub.pem` (what an auditor is
 * given), else derived from the private key; `undefined` when there is neither.
 */
export async function loadAuditPublicKey(dataDir: string): Promise<KeyObject | undefined> {
  const keys = join(dataDir, 'keys');
  for (const [file, load] of [
    ['audit-ed25519.pub.pem', (pem: string) => createPublicKey(pem)],
    ['audit-ed25519.pem', (pem: string) => createPublicKey(createPrivateKey(pem))],
  ] as const) {
    try {
      return load(await readFile(join(keys, file), 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return undefined;
}

function signedPart(c: Pick<AuditCheckpoint, 'sequence' | 'hash' | 'time'>): Buffer {
  return Buffer.from(canonicalJson({ sequence: c.sequence, hash: c.hash, time: c.time }));
}

export function signCheckpoint(
  key: AuditSigningKey,
  head: Pick<AuditCheckpoint, 'sequence' | 'hash' | 'time'>,
): AuditCheckpoint {
  return { ...head, signature: sign(null, signedPart(head), key.privateKey).toString('base64') };
}

export function checkpointSignatureValid(publicKey: KeyObject, checkpoint: AuditCheckpoint): boolean {
  try {
    return verify(null, signedPart(checkpoint), publicKey, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    return false;
  }
}

export async function appendCheckpoint(dataDir: string, checkpoint: AuditCheckpoint): Promise<void> {
  await mkdir(join(dataDir, 'audit-checkpoints'), { recursive: true, mode: 0o700 });
  await appendFile(auditCheckpointPath(dataDir), `${JSON.stringify(checkpoint)}\n`, { mode: 0o600 });
}

/** All checkpoints in file order; a line that does not parse is returned as `malformed`. */
export async function readCheckpoints(dataDir: string): Promise<{ checkpoints: AuditCheckpoint[]; malformedLines: number[] }> {
  let text: string;
  try {
    text = await readFile(auditCheckpointPath(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { checkpoints: [], malformedLines: [] };
    throw error;
  }
  return parseCheckpointLines(text);
}

/** Checkpoints from JSON lines (the checkpoint file, an anchor file or one anchor object). */
export function parseCheckpointLines(text: string): { checkpoints: AuditCheckpoint[]; malformedLines: number[] } {
  const checkpoints: AuditCheckpoint[] = [];
  const malformedLines: number[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      const value = JSON.parse(line) as Partial<AuditCheckpoint>;
      if (
        typeof value.sequence === 'number' &&
        Number.isSafeInteger(value.sequence) &&
        typeof value.hash === 'string' &&
        typeof value.time === 'string' &&
        !Number.isNaN(Date.parse(value.time)) &&
        typeof value.signature === 'string'
      ) {
        checkpoints.push({ sequence: value.sequence, hash: value.hash, time: value.time, signature: value.signature });
      } else malformedLines.push(index + 1);
    } catch {
      malformedLines.push(index + 1);
    }
  });
  return { checkpoints, malformedLines };
}

/** `SHA256:<base64>` of the key's SubjectPublicKeyInfo, the form an operator records elsewhere. */
export function auditKeyFingerprint(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

/**
 * An Ed25519 public key given to the verifier apart from the data folder: PEM text, the path
 * of a PEM file, or base64 of the DER SubjectPublicKeyInfo.
 */
export async function parseAuditPublicKey(value: string): Promise<KeyObject> {
  let text = value.trim();
  if (!text.startsWith('-----BEGIN')) {
    try {
      text = (await readFile(text, 'utf8')).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENAMETOOLONG') throw error;
    }
  }
  let key: KeyObject;
  try {
    key = text.startsWith('-----BEGIN')
      ? createPublicKey(text)
      : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new DelineateError('DLN_CONFIG_INVALID', 'The audit public key is neither a PEM file, PEM text nor base64 SubjectPublicKeyInfo');
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new DelineateError('DLN_CONFIG_INVALID', 'The audit public key must be an Ed25519 key');
  }
  return key;
}
