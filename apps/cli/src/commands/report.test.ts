import { describe, expect, it } from 'vitest';
import { demoProjectSettings, liverCtLabelSchema, liverCtReviewProtocol } from '@delineate/schema';
import { defaultAccessSettings } from '@delineate/server';
import { AccessRepository, LabelSchemaRepository, ProjectRepository, ReviewProtocolRepository, testing, TransferRepository, type Database } from '@delineate/store';
import { accessReviewOf, renderAccessReview } from './access-review';
import { buildProcessingRecord, renderProcessingRecordMarkdown, type ProcessingRecordConfig } from './report';

async function project(database: Database, name: string) {
  const schema = await new LabelSchemaRepository(database.db).create(liverCtLabelSchema);
  const protocol = await new ReviewProtocolRepository(database.db).create(liverCtReviewProtocol);
  return new ProjectRepository(database.db).create({
    ...demoProjectSettings,
    name,
    labelSchema: { id: schema.id, version: schema.version },
    reviewProtocol: { id: protocol.id, version: protocol.version },
  });
}

const config: ProcessingRecordConfig = {
  controllerName: 'Example Hospital',
  controllerContact: 'privacy@example.org',
  dpoContact: 'dpo@example.org',
  imageRetention: '10 years',
  auditRetention: '6 years',
  regions: { database: 'local', blobStores: ['local'] },
  access: defaultAccessSettings,
};

describe('compliance reports', () => {
  it('writes the Art. 30 record from the projects, memberships, transfers and settings', async () => {
    const database = await testing.createTestDatabase('pglite');
    try {
      const p = await project(database, 'Liver CT');
      const repo = new AccessRepository(database.db);
      const now = new Date('2026-07-01T00:00:00Z');
      const steward = await repo.createUser({ username: 'steward', displayName: 'Steward', now });
      await repo.addMembership({ userId: steward.id, projectId: p.id, role: 'data_steward', grantedBy: null, now });
      await new TransferRepository(database.db).record({ projectId: p.id, destinationRegion: 'us', basis: 'art46_standard_contractual_clauses', description: 'SCC with the reading centre', recordedBy: steward.id, validUntil: null, now });
      const record = await buildProcessingRecord(database, config, now);
      expect(record.activities).toHaveLength(2);
      expect(record.activities[0]).toMatchObject({
        projectId: p.id,
        purpose: demoProjectSettings.purpose,
        region: 'local',
        recipients: [{ role: 'data_steward', members: 1 }],
        transfers: [{ destinationRegion: 'us', safeguards: 'Art. 46(2)(c) standard data protection clauses' }],
        retention: '10 years',
      });
      expect(record.securityMeasures.join('\n')).toContain('required for every role that can see images');
      const md = renderProcessingRecordMarkdown(record);
      for (const heading of ['# Record of processing activities (GDPR Art. 30)', '## Annotation project: Liver CT', '**Legal basis:**', '**Retention:** 10 years', '## Technical and organisational security measures (Art. 32)']) {
        expect(md).toContain(heading);
      }
      const relaxed = await buildProcessingRecord(database, { ...config, access: { ...defaultAccessSettings, relaxMfa: true } }, now);
      expect(relaxed.securityMeasures.join('\n')).toContain('RELAXED');
      expect(record.securityMeasures.join('\n')).toContain('NO anchor outside the data folder');
      const anchored = await buildProcessingRecord(database, { ...config, auditAnchored: true }, now);
      expect(anchored.securityMeasures.join('\n')).toContain('sent to an append-only anchor outside the data folder');
    } finally {
      await database.close();
    }
  });

  it('prints the access review of a project by name, flagged overdue', async () => {
    const database = await testing.createTestDatabase('pglite');
    try {
      const p = await project(database, 'Review me');
      const repo = new AccessRepository(database.db);
      const now = new Date('2026-07-01T00:00:00Z');
      const user = await repo.createUser({ username: 'ann', displayName: 'Ann', now });
      await repo.addMembership({ userId: user.id, projectId: p.id, role: 'annotator', grantedBy: null, now });
      const review = await accessReviewOf(database, 'Review me', { now, periodDays: 90, intervalDays: 90 });
      expect(review?.members.map((m) => m.username)).toEqual(['ann']);
      const text = renderAccessReview(review!);
      expect(text).toContain('OVERDUE');
      expect(text).toMatch(/ann\tannotator\t2026-07-01\t-\t-\t-\t0/);
      expect(await accessReviewOf(database, 'no such project', { now, periodDays: 90, intervalDays: 90 })).toBeUndefined();
    } finally {
      await database.close();
    }
  });
});
