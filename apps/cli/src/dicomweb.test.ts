import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCtPhantom, getString, readDicomFile, readSegmentation, tag } from '@delineate/formats';
import { DicomwebClient } from '@delineate/server';
import { AccessRepository } from '@delineate/store';
import { orthancAvailable, requireTestData, startOrthanc, type OrthancServer } from '@delineate/testkit';
import { createWorker, releaseJobHandlers } from '@delineate/worker';
import { annotateAndAcceptAll, openReleaseScenario, type ReleaseScenario } from './release-scenario.fixture';

const SIZE = 24;
const SLICES = 5;
const REFERENCED_SERIES = tag(0x0008, 0x1115);
const SERIES_UID = tag(0x0020, 0x000e);

/**
 * Issue 14's DICOMweb scenario end to end, at the API with the real ingest gate (the server's
 * tests cannot import the gate: apps never import each other, so it runs here, at the
 * composition root): a real Orthanc on loopback holding the shared DICOM files and two phantom
 * CT series; search, retrieve both series through the gate, annotate and accept, send the SEG
 * back with STOW-RS and read it from Orthanc.
 */
describe.runIf(orthancAvailable())('DICOMweb import and export against a real Orthanc', () => {
  let s: ReleaseScenario;
  let orthanc: OrthancServer;
  let steward: string;
  const phantoms = [generateCtPhantom({ slices: SLICES, rows: SIZE, columns: SIZE, seed: 3, patientId: 'PACS-0003', patientName: 'Source^Three' }), generateCtPhantom({ slices: SLICES, rows: SIZE, columns: SIZE, seed: 4, patientId: 'PACS-0004', patientName: 'Source^Four' })];

  const call = async (who: string, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) => {
    const res = await s.call(who, method, `/api/projects/${s.projectId}${path}`, body);
    return { status: res.status, body: res.json() };
  };

  beforeAll(async () => {
    [s, orthanc] = await Promise.all([openReleaseScenario({ size: SIZE, slices: SLICES, series: [], ingestGate: true }), startOrthanc()]);
    const shared = ['dicom/pydicom/CT_small.dcm', 'dicom/deid-data/ctbrain1.dcm', 'dicom/pydicom/MR_small.dcm', 'dicom/highdicom/ct_image.dcm'];
    await orthanc.load([...(await Promise.all(shared.map((f) => readFile(requireTestData(f))))), ...phantoms.flatMap((p) => p.slices.map((slice) => slice.bytes))]);
    const access = new AccessRepository(s.database.db);
    const user = await access.createUser({ username: `steward-${crypto.randomUUID().slice(0, 6)}`, displayName: 'steward', now: new Date() });
    await access.addMembership({ userId: user.id, projectId: s.projectId, role: 'data_steward', grantedBy: null, now: new Date() });
    steward = user.id;
    s.users.steward = steward;
  }, 180_000);
  afterAll(async () => {
    await s?.close();
    await orthanc?.stop();
  });

  it('searches, retrieves two series through the gate, annotates, sends the SEG back and reads it from Orthanc', async () => {
    const connection = await call('admin', 'PUT', '/dicomweb/connection', { baseUrl: orthanc.dicomWebUrl, username: orthanc.username, password: orthanc.password, timeoutMs: 20_000 });
    expect(connection.status).toBe(200);

    // ---- search: the studies of the two patients, then their series ----
    const targets: Array<{ studyInstanceUid: string; seriesInstanceUid: string }> = [];
    for (const patientId of ['PACS-0003', 'PACS-0004']) {
      const studies = await call('steward', 'POST', '/dicomweb/search', { level: 'studies', patientId, modality: 'CT' });
      expect(studies.body.matches, patientId).toHaveLength(1);
      const series = await call('steward', 'POST', '/dicomweb/search', { level: 'series', studyInstanceUid: studies.body.matches[0].studyInstanceUid });
      expect(series.body.matches).toEqual([expect.objectContaining({ modalities: ['CT'], instances: SLICES })]);
      targets.push({ studyInstanceUid: series.body.matches[0].studyInstanceUid, seriesInstanceUid: series.body.matches[0].seriesInstanceUid });
    }
    expect(targets.map((t) => t.seriesInstanceUid)).toEqual(phantoms.map((p) => p.uids.series));

    // ---- a retrieval refused part way (an instance over the connection's limit) ingests nothing ----
    await call('admin', 'PUT', '/dicomweb/connection', { baseUrl: orthanc.dicomWebUrl, username: orthanc.username, timeoutMs: 20_000, maxInstanceBytes: 1024 });
    const oversize = await call('steward', 'POST', '/dicomweb/retrievals', { targets: [targets[0]] });
    await s.server.retrievals.settled();
    expect((await call('steward', 'GET', `/dicomweb/retrievals/${oversize.body.id}`)).body).toMatchObject({ status: 'failed', errorCode: 'DLN_DICOMWEB_OVERSIZE', passed: 0, targetsDone: 0 });
    expect(await s.database.db.selectFrom('items').select('id').where('project_id', '=', s.projectId).execute()).toEqual([]);
    await call('admin', 'PUT', '/dicomweb/connection', { baseUrl: orthanc.dicomWebUrl, username: orthanc.username, timeoutMs: 20_000 });

    // ---- retrieve both series as one job through the gate ----
    const started = await call('steward', 'POST', '/dicomweb/retrievals', { targets });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'running', targets: 2 });
    await s.server.retrievals.settled();
    const done = await call('steward', 'GET', `/dicomweb/retrievals/${started.body.id}`);
    expect(done.body).toMatchObject({ status: 'succeeded', targets: 2, targetsDone: 2, received: 2 * SLICES, passed: 2 * SLICES, quarantined: 0, rejected: 0, errorCode: null });
    expect(done.body.itemIds).toHaveLength(2);
    expect(JSON.stringify(done.body)).not.toContain(targets[0]!.studyInstanceUid);
    // The items' series are the de-identified ones, not the PACS's.
    const stored = await s.database.db.selectFrom('items').innerJoin('series', 'series.id', 'items.series_id').select(['items.id', 'series.series_instance_uid', 'series.id as seriesId']).where('items.project_id', '=', s.projectId).execute();
    expect(stored.map((r) => r.id).sort()).toEqual([...done.body.itemIds].sort());
    for (const r of stored) expect(phantoms.map((p) => p.uids.series)).not.toContain(r.series_instance_uid);

    // ---- annotate through the workflow, accept, and send one accepted revision's SEG ----
    await annotateAndAcceptAll(s);
    const item = stored[0]!;
    const annotation = await s.database.db.selectFrom('annotations').select(['id', 'head_version']).where('item_id', '=', item.id).executeTakeFirstOrThrow();
    const sent = await call('steward', 'POST', '/dicomweb/sends', { source: 'revision', annotationId: annotation.id, version: annotation.head_version });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body).toMatchObject({ source: 'revision', instances: 1, status: 'stored', stored: 1, failed: 0, httpStatus: 200 });
    // Only the revision a signed review accepted leaves the platform.
    const older = await call('steward', 'POST', '/dicomweb/sends', { source: 'revision', annotationId: annotation.id, version: annotation.head_version + 1 });
    expect([older.status, older.body.code]).toEqual([409, 'DLN_DICOMWEB_REVISION_NOT_ACCEPTED']);
    // Without a version the accepted one is sent; its UIDs come from the revision, so the PACS holds one object still.
    const again = await call('admin', 'POST', '/dicomweb/sends', { source: 'revision', annotationId: annotation.id });
    expect(again.body).toMatchObject({ revisionVersion: annotation.head_version, status: 'stored', stored: 1 });

    // ---- read it back from Orthanc: a SEG in the de-identified study, over the de-identified series ----
    const segSeries = await call('steward', 'POST', '/dicomweb/search', { level: 'series', modality: 'SEG' });
    expect(segSeries.body.matches).toHaveLength(1);
    const match = segSeries.body.matches[0];
    const deidStudy = await s.database.db.selectFrom('series').innerJoin('studies', 'studies.id', 'series.study_id').select('studies.study_instance_uid').where('series.id', '=', item.seriesId).executeTakeFirstOrThrow();
    expect(match.studyInstanceUid).toBe(deidStudy.study_instance_uid);
    const client = new DicomwebClient({ baseUrl: orthanc.dicomWebUrl, username: orthanc.username, password: orthanc.password, timeoutMs: 20_000, maxInstanceBytes: 1 << 24 });
    const objects: Uint8Array[] = [];
    for await (const object of client.retrieve({ studyInstanceUid: match.studyInstanceUid, seriesInstanceUid: match.seriesInstanceUid })) objects.push(object);
    expect(objects).toHaveLength(1);
    const seg = readSegmentation(objects[0]!);
    expect(seg.segmentationType).toBe('BINARY');
    expect(seg.segments.map((x) => x.label)).toContain('Liver');
    const referenced = readDicomFile(objects[0]!).dataset.get(REFERENCED_SERIES)?.items ?? [];
    expect(referenced.map((r) => getString(r, SERIES_UID))).toEqual([item.series_instance_uid]);
    const instances = (await s.database.db.selectFrom('instances').select('sop_instance_uid').where('series_id', '=', item.seriesId).execute()).map((r) => r.sop_instance_uid);
    const framed = new Set(seg.frames.flatMap((f) => f.referencedSopInstanceUids));
    expect(framed.size).toBeGreaterThan(0);
    for (const uid of framed) expect(instances).toContain(uid);

    // ---- a release's SEG export, sent whole ----
    const built = await call('admin', 'POST', '/releases', { name: 'pacs-v1', defaultSplit: 'train' });
    expect(built.status, JSON.stringify(built.body)).toBe(201);
    expect((await call('admin', 'POST', `/releases/${built.body.id}/freeze`)).status).toBe(200);
    const nifti = await call('admin', 'POST', `/releases/${built.body.id}/exports`, { format: 'nifti' });
    const segExport = await call('admin', 'POST', `/releases/${built.body.id}/exports`, { format: 'seg-binary' });
    const worker = createWorker({ database: s.database, blobs: s.blobs, clock: () => new Date(), region: 'local', handlers: releaseJobHandlers(), audit: s.server.audit });
    while (await worker.runOnce());
    const refusedFormat = await call('admin', 'POST', '/dicomweb/sends', { source: 'release', releaseId: built.body.id, exportId: nifti.body.id });
    expect([refusedFormat.status, refusedFormat.body.code]).toEqual([409, 'DLN_DICOMWEB_RELEASE_NO_SEG']);
    const release = await call('admin', 'POST', '/dicomweb/sends', { source: 'release', releaseId: built.body.id, exportId: segExport.body.id });
    expect(release.body).toMatchObject({ source: 'release', instances: 2, status: 'stored', stored: 2 });
    expect((await call('steward', 'POST', '/dicomweb/search', { level: 'series', modality: 'SEG' })).body.matches).toHaveLength(3);
    const sends = await call('admin', 'GET', '/dicomweb/sends');
    expect(sends.body.sends.map((x: { source: string; status: string }) => `${x.source}:${x.status}`)).toEqual(['release:stored', 'revision:stored', 'revision:stored']);
  }, 300_000);
});
