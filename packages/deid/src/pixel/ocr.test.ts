import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireTestData } from '@delineate/testkit';

// Trap every way out of the process, in the main thread and in every worker thread (tesseract.js
// runs in a worker): any attempt is written to stderr and fails. Local IPC sockets (a path, as
// tsx uses) are not network and pass.
const trap = `
const { isMainThread } = require('node:worker_threads');
const net = require('node:net'); const http = require('node:http'); const https = require('node:https'); const dns = require('node:dns');
const where = isMainThread ? 'main' : 'worker';
const deny = (what) => function () { process.stderr.write('NETWORK ATTEMPT ' + what + ' ' + where + '\\n'); throw new Error('network is not allowed'); };
globalThis.fetch = deny('fetch');
const connect = net.Socket.prototype.connect;
const denySocket = deny('socket');
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const ipc = typeof first === 'string' || (first !== null && typeof first === 'object' && typeof first.path === 'string');
  return ipc ? connect.apply(this, args) : denySocket();
};
http.request = deny('http'); https.request = deny('https'); http.get = deny('http'); https.get = deny('https');
dns.lookup = deny('dns');
process.stderr.write('trap ' + where + '\\n');
`;

describe('OCR engine', () => {
  it('reads burned-in text with the packaged English model and never touches the network', () => {
    const dir = mkdtempSync(join(tmpdir(), 'delineate-ocr-'));
    const preload = join(dir, 'trap.cjs');
    writeFileSync(preload, trap);
    const child = fileURLToPath(new URL('./ocr-offline-child.ts', import.meta.url));
    const run = spawnSync(process.execPath, ['--import', 'tsx', child, requireTestData('dicom/deid-data/GREYSCALE_IMAGE.dcm')], {
      env: { ...process.env, NODE_OPTIONS: `--require ${preload}` },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).not.toContain('NETWORK ATTEMPT');
    expect(run.stderr).toContain('trap worker');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { words: number; warmMs: number };
    expect(report.words).toBeGreaterThan(10);
    expect(report.warmMs).toBeLessThan(10_000);
  });
});
