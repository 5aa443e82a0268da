import { describe, expect, it } from 'vitest';
import { liverCtLabelSchema, liverCtReviewProtocol, type WorkflowConfig } from '@delineate/schema';
import type { DocumentChoices } from '../project-api';
import { formOf, validateForm } from './workflow-form';

const schemaId = '11111111-1111-4111-8111-111111111111';
const protocolId = '22222222-2222-4222-8222-222222222222';
const documents: DocumentChoices = {
  labelSchemas: [
    { id: schemaId, name: 'Liver CT', version: 1, labels: [...liverCtLabelSchema.labels], createdAt: '2026-01-01T00:00:00.000Z' },
    { id: schemaId, name: 'Liver CT', version: 2, labels: [liverCtLabelSchema.labels[0]!], createdAt: '2026-01-02T00:00:00.000Z' },
  ],
  reviewProtocols: [{ id: protocolId, name: 'Liver CT review', version: 1, checklist: [...liverCtReviewProtocol.checklist], createdAt: '2026-01-01T00:00:00.000Z' }],
};
const config: WorkflowConfig = {
  oversightModel: 'supervised_technologist',
  labelSchema: { id: schemaId, version: 1 },
  reviewProtocol: { id: protocolId, version: 1 },
  agreementSampling: { fraction: 0.3, readersPerItem: 3, blinded: true },
  expertReview: { labelKeys: ['liver_lesion'], significantRegions: true },
  agreementThresholds: { dice: 0.8, fleissKappa: 0.6 },
  samplingSeed: 7,
};

describe('workflow configuration form', () => {
  it('round-trips a valid configuration', () => {
    expect(validateForm(formOf(config), documents)).toEqual({ errors: {}, config });
  });

  it('names each invalid field', () => {
    const form = { ...formOf(config), fraction: '0.5', readersPerItem: '1', dice: '1.5', fleissKappa: 'x', samplingSeed: '2.5' };
    const { errors, config: out } = validateForm(form, documents);
    expect(out).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(['dice', 'fleissKappa', 'readersPerItem', 'samplingSeed']);
    expect(errors.readersPerItem).toMatch(/at least 2 readers/);
    expect(validateForm({ ...formOf(config), fraction: '1.2' }, documents).errors).toEqual({ fraction: expect.stringMatching(/between 0 and 1/) });
    expect(validateForm({ ...formOf(config), fraction: '0', readersPerItem: '1' }, documents).errors).toEqual({});
  });

  it('checks the protocol and expert labels against the chosen schema version', () => {
    // Version 2 has only the liver: the protocol's lesion items and the lesion expert rule no longer fit.
    const { errors } = validateForm({ ...formOf(config), labelSchema: `${schemaId}@2` }, documents);
    expect(errors.reviewProtocol).toMatch(/liver_lesion/);
    expect(errors.expertLabelKeys).toMatch(/liver_lesion/);
    expect(validateForm({ ...formOf(config), labelSchema: `${schemaId}@9` }, documents).errors.labelSchema).toBeDefined();
  });
});
