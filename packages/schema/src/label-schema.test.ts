import { describe, expect, it } from 'vitest';
import { LabelSchemaInput, namedBoundaries } from './label-schema';
import { errorTypes, ErrorType } from './vocabularies';
import { ChecklistItem } from './review-protocol';

const liverLabel = {
  key: 'liver',
  value: 1,
  name: 'Liver',
  concept: { scheme: 'SCT', value: '10200004', meaning: 'Liver' },
  category: { scheme: 'SCT', value: '123037004', meaning: 'Anatomical Structure' },
  colour: '#a05a2c',
  definition: 'The whole liver parenchyma including intrahepatic vessels.',
  inclusion: ['intrahepatic portal and hepatic veins'],
  exclusion: ['gallbladder', 'inferior vena cava'],
  referenceStandard: { title: 'LiTS', citation: 'Bilic P et al. Med Image Anal 2023;84:102680' },
  requiresExpertReview: false,
} as const;

describe('LabelSchemaInput', () => {
  it('accepts a coded label', () => {
    expect(LabelSchemaInput.parse({ name: 'Liver', labels: [liverLabel] }).labels[0]?.concept.scheme).toBe('SCT');
  });

  it('rejects duplicate keys or values and unknown coding schemes', () => {
    const dup = LabelSchemaInput.safeParse({ name: 'x', labels: [liverLabel, { ...liverLabel, key: 'other' }] });
    expect(dup.success).toBe(false);
    expect(dup.error?.issues[0]?.message).toBe('duplicate label value');
    expect(LabelSchemaInput.safeParse({ name: 'x', labels: [{ ...liverLabel, concept: { ...liverLabel.concept, scheme: 'snomed' } }] }).success).toBe(false);
    expect(LabelSchemaInput.safeParse({ name: 'x', labels: [{ ...liverLabel, colour: 'brown' }] }).success).toBe(false);
    expect(LabelSchemaInput.safeParse({ name: 'x', labels: [] }).success).toBe(false);
  });
});

describe('named boundaries', () => {
  const tumour = { ...liverLabel, key: 'tumour', value: 1, boundaryWith: ['stroma'] };
  const stroma = { ...liverLabel, key: 'stroma', value: 2, boundaryWith: ['tumour'] };

  it('lists each pair whose boundary gets an expert review once', () => {
    const schema = LabelSchemaInput.parse({ name: 'H&E', labels: [tumour, stroma, { ...liverLabel, key: 'necrosis', value: 3 }] });
    expect(namedBoundaries(schema.labels)).toEqual([['tumour', 'stroma']]);
  });

  it('refuses a boundary with an unknown label or with the label itself', () => {
    const unknown = LabelSchemaInput.safeParse({ name: 'x', labels: [{ ...tumour, boundaryWith: ['fat'] }] });
    expect(unknown.error?.issues[0]).toMatchObject({ message: 'the boundary names a label the schema does not have (fat)', path: ['labels', 0, 'boundaryWith', 0] });
    const self = LabelSchemaInput.safeParse({ name: 'x', labels: [{ ...tumour, boundaryWith: ['tumour'] }] });
    expect(self.error?.issues[0]?.message).toBe('a label has no boundary with itself');
  });
});

describe('vocabularies', () => {
  it('keeps the error-type list and enum in step', () => {
    expect(ErrorType.options).toEqual([...errorTypes]);
    expect(ChecklistItem.safeParse({ key: 'a', labelKey: 'liver', question: 'q', errorType: 'under_segmentation' }).success).toBe(true);
    expect(ChecklistItem.safeParse({ key: 'a', labelKey: 'liver', question: 'q', errorType: 'undersegmentation' }).success).toBe(false);
  });
});
