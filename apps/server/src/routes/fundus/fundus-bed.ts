import { generateSyntheticFundus, writeOphthalmicPhoto, type SyntheticFundus } from '@delineate/formats';
import { demoProjectSettings, fundusLabelSchema, fundusReviewProtocol, type Laterality } from '@delineate/schema';
import { FundusPhotoRepository, ItemRepository, LabelSchemaRepository, ProjectRepository, ReviewProtocolRepository } from '@delineate/store';
import { openTestSession } from '../../access';
import type { Harness } from '../../test/harness';

export interface FundusBed {
  projectId: string;
  itemId: string;
  fundus: SyntheticFundus;
  headers: Record<string, string>;
}

/**
 * An ophthalmology project (the fundus label schema) with one photo item over a synthetic fundus
 * stored as an OP instance with a passed de-identification record, as ingest leaves it, and a
 * session of the harness's user as annotator there.
 */
export async function seedFundusProject(h: Harness, options: { laterality?: Laterality | null; pixelSpacingMm?: [number, number] | null; width?: number; height?: number } = {}): Promise<FundusBed> {
  const db = h.database.db;
  const schema = await new LabelSchemaRepository(db).create(fundusLabelSchema);
  const protocol = await new ReviewProtocolRepository(db).create(fundusReviewProtocol);
  const project = await new ProjectRepository(db).create({
    ...demoProjectSettings,
    name: `fundus-${crypto.randomUUID()}`,
    modality: 'OP',
    labelSchema: { id: schema.id, version: schema.version },
    reviewProtocol: { id: protocol.id, version: protocol.version },
  });
  const laterality = options.laterality === undefined ? 'OD' : options.laterality;
  const fundus = generateSyntheticFundus({ width: options.width ?? 200, height: options.height ?? 160, laterality: laterality ?? 'OD' });
  const bytes = writeOphthalmicPhoto({ pixels: fundus.pixels, laterality: laterality ?? 'OD', acquiredAt: new Date(0), subjectId: 'P-EYE', uidSeed: crypto.randomUUID() });
  const stored = await h.server.context.blobs.put(bytes);
  const empty = JSON.stringify([]);
  await db
    .insertInto('deid_records')
    .values({ project_id: project.id, source_hash: stored.hash, output_hash: stored.hash, profile: 'basic', options: empty, actions: empty, pixel_regions: empty, findings: empty, status: 'passed', created_at: new Date() })
    .execute();
  const items = new ItemRepository(db);
  const subject = await items.createSubject({ projectId: project.id, pseudonym: 'P-EYE', ageBand: 'unknown', sex: 'unknown' });
  const study = await items.createStudy({ subjectId: subject.id, studyInstanceUid: `2.25.${Date.now()}${Math.floor(Math.random() * 1e6)}` });
  const series = await items.createSeries({ studyId: study.id, seriesInstanceUid: `2.25.${Date.now()}${Math.floor(Math.random() * 1e6)}2`, modality: 'OP' });
  const { width, height } = fundus.pixels;
  await db.updateTable('series').set({ rows: height, columns: width, slices: 1, spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }).where('id', '=', series.id).execute();
  await items.addInstances([{ seriesId: series.id, sopInstanceUid: `2.25.${Date.now()}${Math.floor(Math.random() * 1e6)}3`, instanceNumber: 1, blobHash: stored.hash }]);
  const item = await items.createItem({ projectId: project.id, subjectId: subject.id, target: { kind: 'photo', seriesId: series.id } });
  await new FundusPhotoRepository(db).record({ itemId: item.id, laterality, pixelSpacingMm: options.pixelSpacingMm ?? null, width, height });
  const { headers } = await openTestSession(h.server.app.accessRuntime, h.seeded.userId, { grant: { projectId: project.id, roles: ['annotator', 'reviewer'] } });
  return { projectId: project.id, itemId: item.id, fundus, headers };
}
