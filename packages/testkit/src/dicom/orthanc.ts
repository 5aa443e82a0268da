import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const orthancBinary = '/usr/sbin/Orthanc';
const dicomWebPlugin = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

/** A real Orthanc (Debian `orthanc` and `orthanc-dicomweb`) on loopback, for one test file. */
export interface OrthancServer {
  /** The DICOMweb root (QIDO-RS, WADO-RS, STOW-RS), without a trailing slash. */
  readonly dicomWebUrl: string;
  /** Orthanc's own REST API root. */
  readonly restUrl: string;
  readonly username: string;
  readonly password: string;
  /** Stores DICOM files through Orthanc's REST API (POST /instances); returns their Orthanc ids. */
  load(files: readonly Uint8Array[]): Promise<string[]>;
  /** GET on the REST API with the test user's credentials. */
  rest(path: string): Promise<unknown>;
  stop(): Promise<void>;
}

/** Whether this machine has Orthanc and its DICOMweb plugin; under CI=true a missing one throws. */
export function orthancAvailable(): boolean {
  const present = existsSync(orthancBinary) && existsSync(dicomWebPlugin);
  if (!present && process.env.CI === 'true') throw new Error('Orthanc is missing under CI: install the Debian packages orthanc and orthanc-dicomweb');
  return present;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts Orthanc with a temporary configuration: HTTP on a free loopback port, no DICOM listener,
 * storage and index in a temporary folder, the DICOMweb plugin, and authentication on with one
 * test user (so a client's credentials are really checked). Waits for `/system`.
 */
export async function startOrthanc(): Promise<OrthancServer> {
  if (!orthancAvailable()) throw new Error('Orthanc is not installed (Debian packages orthanc and orthanc-dicomweb)');
  // Orthanc takes no port 0: a port probed free may be taken before it binds (test files run two
  // at a time), and it then exits at once. Such a start is tried again on other ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOrthancOnce();
    } catch (error) {
      if (attempt >= 3 || !(error instanceof OrthancExited)) throw error;
    }
  }
}

class OrthancExited extends Error {}

async function startOrthancOnce(): Promise<OrthancServer> {
  const dir = await mkdtemp(join(tmpdir(), 'dln-orthanc-'));
  const port = await freePort();
  const username = 'delineate-test';
  const password = `pw-${crypto.randomUUID()}`;
  const config = {
    Name: 'delineate-test',
    StorageDirectory: join(dir, 'storage'),
    IndexDirectory: join(dir, 'storage'),
    HttpPort: port,
    DicomServerEnabled: false,
    DicomPort: await freePort(),
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: { [username]: password },
    Plugins: [dicomWebPlugin],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
    ConcurrentJobs: 1,
  };
  const configPath = join(dir, 'orthanc.json');
  await writeFile(configPath, JSON.stringify(config));
  const logPath = join(dir, 'orthanc.log');
  const child: ChildProcess = spawn(orthancBinary, [`--logfile=${logPath}`, configPath], { stdio: 'ignore' });
  const restUrl = `http://127.0.0.1:${port}`;
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = async () => {
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) {
      const log = await readFile(logPath, 'utf8').catch(() => '');
      await rm(dir, { recursive: true, force: true });
      throw new OrthancExited(`Orthanc exited during start-up:\n${log.slice(-2000)}`);
    }
    // The answer is read to its end: an unread one left to Orthanc's closing is an uncatchable
    // assertion in Node 24's HTTP client (undici issue 5360).
    const ok = await fetch(`${restUrl}/system`, { headers: { authorization } }).then(async (r) => (await r.arrayBuffer(), r.ok), () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error('Orthanc did not answer /system within 30 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const rest = async (path: string, init: RequestInit = {}): Promise<unknown> => {
    const res = await fetch(`${restUrl}${path}`, { ...init, headers: { authorization, ...(init.headers as Record<string, string> | undefined) } });
    if (!res.ok) throw new Error(`Orthanc ${init.method ?? 'GET'} ${path} answered ${res.status}`);
    return res.json();
  };
  return {
    dicomWebUrl: `${restUrl}/dicom-web`,
    restUrl,
    username,
    password,
    async load(files) {
      const ids: string[] = [];
      for (const file of files) {
        const answer = (await rest('/instances', { method: 'POST', body: file, headers: { 'content-type': 'application/dicom' } })) as { ID: string };
        ids.push(answer.ID);
      }
      return ids;
    },
    rest: (path) => rest(path),
    stop,
  };
}
