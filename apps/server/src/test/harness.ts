import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoProjectSettings, liverCtLabelSchema, liverCtReviewProtocol } from '@delineate/schema';
import {
  AccessRepository,
  BlobKey,
  ItemRepository,
  LabelSchemaRepository,
  LocalBlobStore,
  ProjectRepository,
  ReviewProtocolRepository,
  testing,
  type Database,
  type DatabaseKind,
} from '@delineate/store';
import { openTestSession } from '../access';
import { configFromEnv } from '../config';
import { createServer, type DelineateServer, type ServerDeps } from '../server';

export interface SeededProject {
  projectId: string;
  itemId: string;
  labelSchema: { id: string; version: number };
  userId: string;
  grid: { rows: number; columns: number; slices: number };
}

export interface Harness {
  server: DelineateServer;
  database: Database;
  seeded: SeededProject;
  close(): Promise<void>;
}

/** A project with one series-volume item of the given grid, and one user. */
export async function seedProject(database: Database, grid = { rows: 16, columns: 16, slices: 4 }): Promise<SeededProject> {
  const db = database.db;
  const labelSchema = await new LabelSchemaRepository(db).create(liverCtLabelSchema);
  const protocol = await new ReviewProtocolRepository(db).create(liverCtReviewProtocol);
  const project = await new ProjectRepository(db).create({
    ...demoProjectSettings,
    name: `test-${crypto.randomUUID()}`,
    labelSchema: { id: labelSchema.id, version: labelSchema.version },
    reviewProtocol: { id: protocol.id, version: protocol.version },
  });
  const items = new ItemRepository(db);
  const subject = await items.createSubject({ projectId: project.id, pseudonym: 'P-TEST', ageBand: 'unknown', sex: 'unknown' });
  const study = await items.createStudy({ subjectId: subject.id, studyInstanceUid: `2.25.${Date.now()}${Math.floor(Math.random() * 1e6)}` });
  const series = await items.createSeries({ studyId: study.id, seriesInstanceUid: `2.25.${Date.now()}${Math.floor(Math.random() * 1e6)}1`, modality: 'CT' });
  await db
    .updateTable('series')
    .set({ rows: grid.rows, columns: grid.columns, slices: grid.slices, spacing: [0.8, 0.8, 2], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] })
    .where('id', '=', series.id)
    .execute();
  const item = await items.createItem({ projectId: project.id, subjectId: subject.id, target: { kind: 'series_volume', seriesId: series.id } });
  const user = await new AccessRepository(db).createUser({ username: `annotator-${crypto.randomUUID()}`, displayName: 'Test Annotator', now: new Date() });
  return { projectId: project.id, itemId: item.id, labelSchema: { id: labelSchema.id, version: labelSchema.version }, userId: user.id, grid };
}

/** A server on a fresh template database of `kind`, a temporary encrypted blob folder, a seeded project. */
export async function startHarness(kind: DatabaseKind, overrides: Parameters<typeof configFromEnv>[1] = {}, deps: Partial<Pick<ServerDeps, 'uploadKey' | 'clock'>> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'dln-server-'));
  const database = await testing.createTestDatabase(kind);
  const blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
  const config = configFromEnv({ DELINEATE_DATA: dir, DELINEATE_LOG_LEVEL: 'silent' }, { port: 0, webRoot: join(dir, 'no-web'), ...overrides });
  const server = await createServer({ config, database, blobs, clock: () => new Date(), ...deps });
  const seeded = await seedProject(database);
  return {
    server,
    database,
    seeded,
    async close() {
      await server.app.close();
      await blobs.close();
      await database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ApiAnswer {
  status: number;
  /** The parsed JSON body, or {} when the answer has none. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  raw: Buffer;
}

/** One request as a user, through a fresh session: a Uint8Array body goes as a mask, anything else as JSON. */
export async function callAs(server: DelineateServer, userId: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, extra: Record<string, string> = {}): Promise<ApiAnswer> {
  const { headers } = await openTestSession(server.app.accessRuntime, userId);
  const payload = body instanceof Uint8Array ? Buffer.from(body) : body === undefined ? undefined : JSON.stringify(body);
  const contentType = body instanceof Uint8Array ? 'application/octet-stream' : 'application/json';
  const res = await server.app.inject({ method, url, headers: { ...headers, ...(payload !== undefined ? { 'content-type': contentType } : {}), ...extra }, ...(payload !== undefined ? { payload } : {}) });
  const json = res.body.length > 0 && (res.headers['content-type']?.toString().includes('json') ?? false);
  return { status: res.statusCode, body: json ? JSON.parse(res.body) : {}, raw: res.rawPayload };
}
