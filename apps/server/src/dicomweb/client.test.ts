import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orthancAvailable, requireTestData, startOrthanc, type OrthancServer } from '@delineate/testkit';
import { DicomwebClient, type DicomwebEndpoint } from './client';
import { writeMultipart } from './multipart';

async function drain(iterable: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

describe.runIf(orthancAvailable())('DicomwebClient against a real Orthanc', () => {
  let orthanc: OrthancServer;
  let ct: Uint8Array;
  let study: string;
  const endpoint = (overrides: Partial<DicomwebEndpoint> = {}): DicomwebEndpoint => ({ baseUrl: orthanc.dicomWebUrl, username: orthanc.username, password: orthanc.password, timeoutMs: 10_000, maxInstanceBytes: 1 << 24, ...overrides });

  beforeAll(async () => {
    orthanc = await startOrthanc();
    ct = await readFile(requireTestData('dicom/pydicom/CT_small.dcm'));
    await orthanc.load([ct]);
    study = (await new DicomwebClient(endpoint()).search({ level: 'studies', limit: 10 }))[0]!.studyInstanceUid;
  }, 60_000);
  afterAll(async () => {
    await orthanc?.stop();
  });

  it('retrieves a study as its DICOM instances, byte for byte', async () => {
    const instances = await drain(new DicomwebClient(endpoint()).retrieve({ studyInstanceUid: study }));
    expect(instances).toHaveLength(1);
    expect(Buffer.from(instances[0]!).equals(ct)).toBe(true);
  });

  it('refuses an instance over the configured size', async () => {
    await expect(drain(new DicomwebClient(endpoint({ maxInstanceBytes: 1024 })).retrieve({ studyInstanceUid: study }))).rejects.toMatchObject({ code: 'DLN_DICOMWEB_OVERSIZE' });
  });

  it('answers 401 from the PACS with DLN_DICOMWEB_UNAUTHORIZED, for searches, retrievals and sends', async () => {
    const client = new DicomwebClient(endpoint({ password: 'not-it' }));
    await expect(client.search({ level: 'studies', limit: 1 })).rejects.toMatchObject({ code: 'DLN_DICOMWEB_UNAUTHORIZED', details: { httpStatus: 401 } });
    await expect(drain(client.retrieve({ studyInstanceUid: study }))).rejects.toMatchObject({ code: 'DLN_DICOMWEB_UNAUTHORIZED' });
    await expect(client.store([ct])).rejects.toMatchObject({ code: 'DLN_DICOMWEB_UNAUTHORIZED' });
    const anonymous = new DicomwebClient(endpoint({ username: null, password: null }));
    await expect(anonymous.search({ level: 'studies', limit: 1 })).rejects.toMatchObject({ code: 'DLN_DICOMWEB_UNAUTHORIZED' });
  });

  it('stores instances with STOW-RS and reports what the PACS stored', async () => {
    const outcome = await new DicomwebClient(endpoint()).store([ct]);
    expect(outcome).toMatchObject({ httpStatus: 200, stored: 1, failed: 0 });
    expect(outcome.retrieveUrl).toContain(study);
  });

  it('refuses a STOW-RS send of something that is not DICOM (the PACS stores none of it)', async () => {
    await expect(new DicomwebClient(endpoint()).store([new TextEncoder().encode('not a dicom file at all'.repeat(10))])).rejects.toMatchObject({ code: expect.stringMatching(/^DLN_DICOMWEB_(STORE_REFUSED|ANSWER)$/) });
  });
});

/** A PACS that answers a retrieval with whatever the test gives it: the misbehaviours Orthanc never shows. */
describe('DicomwebClient refusals of a misbehaving PACS', () => {
  let server: Server;
  let answer: (res: import('node:http').ServerResponse) => void = () => undefined;
  const client = (timeoutMs = 5_000) => new DicomwebClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, username: null, password: null, timeoutMs, maxInstanceBytes: 1 << 20 });

  beforeAll(async () => {
    server = createServer((_req, res) => answer(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses parts that are not DICOM, by media type or by content', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'multipart/related; type="application/dicom"; boundary=b' });
      res.end(writeMultipart([new TextEncoder().encode('hello')], 'b', 'text/plain'));
    };
    await expect(drain(client().retrieve({ studyInstanceUid: '1.2.3' }))).rejects.toMatchObject({ code: 'DLN_DICOMWEB_NOT_DICOM' });
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'multipart/related; type="application/dicom"; boundary=b' });
      res.end(writeMultipart([new Uint8Array(300)], 'b'));
    };
    await expect(drain(client().retrieve({ studyInstanceUid: '1.2.3' }))).rejects.toMatchObject({ code: 'DLN_DICOMWEB_NOT_DICOM' });
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[]');
    };
    await expect(drain(client().retrieve({ studyInstanceUid: '1.2.3' }))).rejects.toMatchObject({ code: 'DLN_DICOMWEB_NOT_DICOM' });
  });

  it('refuses a search answer that is not DICOM JSON, and a server error, with codes', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/dicom+json' });
      res.end('<html>');
    };
    await expect(client().search({ level: 'studies', limit: 1 })).rejects.toMatchObject({ code: 'DLN_DICOMWEB_ANSWER' });
    answer = (res) => {
      res.writeHead(500);
      res.end();
    };
    await expect(client().search({ level: 'studies', limit: 1 })).rejects.toMatchObject({ code: 'DLN_DICOMWEB_ANSWER', details: { httpStatus: 500 } });
    answer = (res) => {
      res.writeHead(204);
      res.end();
    };
    expect(await client().search({ level: 'studies', limit: 1 })).toEqual([]);
  });

  it('gives up on a retrieval that stalls, with DLN_DICOMWEB_UNREACHABLE', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'multipart/related; type="application/dicom"; boundary=b' });
      res.write('--b\r\nContent-Type: application/dicom\r\n\r\n');
      // …and nothing more.
    };
    await expect(drain(client(300).retrieve({ studyInstanceUid: '1.2.3' }))).rejects.toMatchObject({ code: 'DLN_DICOMWEB_UNREACHABLE' });
  });

  it('refuses a redirect instead of following it with the credentials', async () => {
    answer = (res) => {
      res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' });
      res.end();
    };
    await expect(client().search({ level: 'studies', limit: 1 })).rejects.toMatchObject({ code: 'DLN_DICOMWEB_UNREACHABLE' });
  });
});
