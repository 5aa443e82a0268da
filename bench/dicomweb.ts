// Ingest of a 300-slice 512×512 CT series (the formats CT phantom) through DICOMweb retrieval from
// a real Orthanc on loopback, against the ingest gate alone on the same files read from local disk,
// in the same run, each into a fresh project and database:
//   gate alone: read the 300 files from a folder → runIngest (what `delineate ingest` runs);
//   WADO-RS transfer: the series drained from Orthanc through the client's streaming multipart
//     reader, nothing else (what retrieval adds before the gate);
//   DICOMweb retrieval: POST …/dicomweb/retrievals on the server with the same gate, timed until
//     the job has ended (transfer, gate, progress rows).
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCtPhantom } from '@delineate/formats';
import { DicomwebClient } from '@delineate/server';
import { orthancAvailable, startOrthanc } from '@delineate/testkit';
import { gateTools, runIngest } from '../apps/cli/src/ingest-gate';
import { openReleaseScenario } from '../apps/cli/src/release-scenario.fixture';
import type { BenchResult } from './types';

const SLICES = 300;
const SIZE = 512;

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { seconds: (performance.now() - started) / 1000, value };
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

export async function run(): Promise<BenchResult> {
  if (!orthancAvailable()) throw new Error('bench dicomweb needs Orthanc (Debian packages orthanc and orthanc-dicomweb)');
  const work = await mkdtemp(join(tmpdir(), 'dln-bench-dicomweb-'));
  const orthanc = await startOrthanc();
  const scenarios: Array<Awaited<ReturnType<typeof openReleaseScenario>>> = [];
  try {
    const folder = join(work, 'series');
    const written = await writeCtPhantom(folder, { slices: SLICES, rows: SIZE, columns: SIZE, seed: 11, patientId: 'BENCH-0011', patientName: 'Bench^Series' });
    const paths = written.files;
    const bytesOnDisk = (await Promise.all(paths.map((p) => readFile(p)))).reduce((s, b) => s + b.length, 0);
    const megabytes = bytesOnDisk / 1e6;
    // Setup, not timed: the series into Orthanc.
    for (let at = 0; at < paths.length; at += 25) await orthanc.load(await Promise.all(paths.slice(at, at + 25).map((p) => readFile(p))));

    // ---- the gate alone, on local files (run before and after the retrieval: the machine's load drifts) ----
    const gateAlone = async () => {
      const local = await openReleaseScenario({ size: 16, slices: 1, series: [] });
      scenarios.push(local);
      const tools = gateTools({ iodCheck: true });
      try {
        const result = await timed(async () => runIngest({ database: local.database, blobs: local.blobs, clock: () => new Date() }, tools, local.projectId, await Promise.all(paths.map((p) => readFile(p)))));
        if (result.value.passed !== SLICES) throw new Error(`the gate passed ${result.value.passed} of ${SLICES} slices`);
        return result;
      } finally {
        await tools.close();
      }
    };
    const gate = await gateAlone();

    // ---- WADO-RS transfer alone ----
    const client = new DicomwebClient({ baseUrl: orthanc.dicomWebUrl, username: orthanc.username, password: orthanc.password, timeoutMs: 120_000, maxInstanceBytes: 1 << 26 });
    const target = { studyInstanceUid: written.uids.study, seriesInstanceUid: written.uids.series };
    const transfer = await timed(async () => {
      let n = 0;
      for await (const instance of client.retrieve(target)) n += instance.length > 0 ? 1 : 0;
      return n;
    });
    if (transfer.value !== SLICES) throw new Error(`WADO-RS gave ${transfer.value} of ${SLICES} instances`);

    // ---- DICOMweb retrieval through the server, same gate ----
    const remote = await openReleaseScenario({ size: 16, slices: 1, series: [], ingestGate: true });
    scenarios.push(remote);
    const put = await remote.call('admin', 'PUT', `/api/projects/${remote.projectId}/dicomweb/connection`, { baseUrl: orthanc.dicomWebUrl, username: orthanc.username, password: orthanc.password, timeoutMs: 120_000 });
    if (put.status !== 200) throw new Error(`connection refused: ${put.status}`);
    const retrieval = await timed(async () => {
      const started = await remote.call('admin', 'POST', `/api/projects/${remote.projectId}/dicomweb/retrievals`, { targets: [target] });
      if (started.status !== 202) throw new Error(`retrieval refused: ${started.status}`);
      await remote.server.retrievals.settled();
      return (await remote.call('admin', 'GET', `/api/projects/${remote.projectId}/dicomweb/retrievals/${started.json().id}`)).json();
    });
    if (retrieval.value.status !== 'succeeded' || retrieval.value.passed !== SLICES) throw new Error(`retrieval ended ${retrieval.value.status} with ${retrieval.value.passed} passed`);

    const gateAfter = await gateAlone();

    const row = (path: string, seconds: number) => ({ path, slices: SLICES, seconds: round(seconds), 'slices/s': round(SLICES / seconds, 1), 'MB/s': round(megabytes / seconds, 1) });
    const gateMean = (gate.seconds + gateAfter.seconds) / 2;
    const overhead = retrieval.seconds / gateMean - 1;
    return {
      name: 'dicomweb',
      description: `Ingest of a ${SLICES}-slice ${SIZE}×${SIZE} CT series (${round(megabytes, 0)} MB) through DICOMweb retrieval from Orthanc 1.10 on loopback vs the ingest gate alone on local files (same run, fresh project each)`,
      rows: [
        row('gate alone, before (local files → runIngest, IOD check on)', gate.seconds),
        row('WADO-RS transfer only (streaming multipart reader)', transfer.seconds),
        row('DICOMweb retrieval job (WADO-RS → same gate)', retrieval.seconds),
        row('gate alone, after', gateAfter.seconds),
      ],
      targets: [],
      notes: [
        `DICOMweb retrieval took ${round(overhead * 100, 0)}% longer than the mean of the two gate-alone runs; the transfer alone took ${round((transfer.seconds / gateMean) * 100, 0)}% of it.`,
        'The issue sets no number: it asks for the two paths side by side in one run.',
        `Load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(', ')} (other work on the machine slows every row alike).`,
      ],
    };
  } finally {
    for (const s of scenarios) await s.close();
    await orthanc.stop();
    await rm(work, { recursive: true, force: true });
  }
}
