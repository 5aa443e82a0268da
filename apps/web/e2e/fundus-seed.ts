import { generateSyntheticFundus, writeOphthalmicPhoto, type SyntheticFundus } from '@delineate/formats';
import { demoProjectSettings, fundusLabelSchema, fundusReviewProtocol, platformOrganisationId } from '@delineate/schema';
import {
  AccessRepository,
  AgreementRepository,
  DeidRecordRepository,
  FundusPhotoRepository,
  ItemRepository,
  LabelSchemaRepository,
  OrganisationRepository,
  ProjectRepository,
  ReviewProtocolRepository,
  openBlobStore,
  openDatabase,
} from '@delineate/store';

export interface SeededFundus {
  projectId: string;
  itemId: string;
  fundus: SyntheticFundus;
}

/**
 * An ophthalmology project seeded through the store before the demo server starts: the fundus
 * label schema, demo.annotator as its annotator (its annotation service admitted under a data use
 * agreement, as the demo does for its own projects), and one photo item over a synthetic fundus
 * wrapped as an Ophthalmic Photography instance with a passed de-identification record.
 */
export async function seedFundus(dataDir: string): Promise<SeededFundus> {
  const database = await openDatabase({ dataDir });
  const blobs = await openBlobStore({ dataDir, env: { ...process.env, DELINEATE_DATA: dataDir, DATABASE_URL: undefined, DELINEATE_BLOB_URL: undefined } });
  try {
    const db = database.db;
    const now = new Date();
    const schema = await new LabelSchemaRepository(db).create(fundusLabelSchema);
    const protocol = await new ReviewProtocolRepository(db).create(fundusReviewProtocol);
    const project = await new ProjectRepository(db).create({
      ...demoProjectSettings,
      name: 'Fundus e2e (synthetic photograph)',
      modality: 'OP',
      purpose: 'Optic disc and cup annotation on a synthetic fundus photograph. Contains no patient data.',
      labelSchema: { id: schema.id, version: schema.version },
      reviewProtocol: { id: protocol.id, version: protocol.version },
    });
    const access = new AccessRepository(db);
    const annotator = await access.findUserByUsername('demo.annotator');
    if (!annotator) throw new Error('the demo annotator is missing');
    await access.addMembership({ userId: annotator.id, projectId: project.id, role: 'annotator', grantedBy: null, now });
    const organisations = new OrganisationRepository(db);
    const service = (await organisations.list()).find((o) => o.kind === 'annotation_service');
    if (service) {
      await organisations.updateProjectGovernance(project.id, { ownerOrganisationId: platformOrganisationId });
      await organisations.admit({ projectId: project.id, organisationId: service.id, roles: ['annotator'], admittedBy: null, now });
      await new AgreementRepository(db).record({
        projectId: project.id,
        organisationId: service.id,
        kind: 'dua',
        parties: ['Demo University Hospital', service.name],
        signedAt: now,
        expiresAt: new Date(now.getTime() + 30 * 86_400_000),
        identifiableUses: [],
        regions: [project.region],
        recordedBy: null,
        now,
      });
    }
    const fundus = generateSyntheticFundus({ width: 768, height: 640, laterality: 'OD' });
    const bytes = writeOphthalmicPhoto({ pixels: fundus.pixels, laterality: 'OD', acquiredAt: now, subjectId: 'E2E-EYE', uidSeed: `e2e-${now.getTime()}` });
    const output = (await blobs.put(bytes)).hash;
    await new DeidRecordRepository(db).record({ projectId: project.id, sourceHash: output.replace(/^./, output.startsWith('a') ? 'b' : 'a'), outputHash: output, profile: 'basic', options: [], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
    const items = new ItemRepository(db);
    const subject = await items.createSubject({ projectId: project.id, pseudonym: 'E2E-EYE', ageBand: 'unknown', sex: 'unknown' });
    const study = await items.createStudy({ subjectId: subject.id, studyInstanceUid: `2.25.${now.getTime()}71` });
    const series = await items.createSeries({ studyId: study.id, seriesInstanceUid: `2.25.${now.getTime()}72`, modality: 'OP' });
    await db.updateTable('series').set({ rows: 640, columns: 768, slices: 1, spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }).where('id', '=', series.id).execute();
    await items.addInstances([{ seriesId: series.id, sopInstanceUid: `2.25.${now.getTime()}73`, instanceNumber: 1, blobHash: output }]);
    const item = await items.createItem({ projectId: project.id, subjectId: subject.id, target: { kind: 'photo', seriesId: series.id } });
    await new FundusPhotoRepository(db).record({ itemId: item.id, laterality: 'OD', pixelSpacingMm: null, width: 768, height: 640 });
    return { projectId: project.id, itemId: item.id, fundus };
  } finally {
    await blobs.close();
    await database.close();
  }
}
