import { describe, expect, it } from 'vitest';
import { CreateProjectRequest } from '../api';
import { LabelSchemaInput } from '../label-schema';
import { Username } from '../people';
import { ReviewProtocolInput } from '../review-protocol';
import { roles } from '../vocabularies';
import { demoProjectSettings } from './demo-project';
import { demoUsers } from './demo-users';
import { liverCtLabelSchema } from './liver-ct-label-schema';
import { pathologyLabelSchema } from './pathology-label-schema';
import { pathologyReviewProtocol } from './pathology-review-protocol';
import { liverCtReviewProtocol } from './liver-ct-review-protocol';

/** Verhoeff check digit, which every SNOMED CT identifier ends with. */
function verhoeffValid(digits: string): boolean {
  const d = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
  ];
  const p = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
  ];
  let c = 0;
  [...digits].reverse().forEach((ch, i) => {
    c = d[c]![p[i % 8]![Number(ch)]!]!;
  });
  return c === 0;
}

describe('demo label schema', () => {
  it('is a valid label schema with liver = 1 and liver lesion = 2', () => {
    const parsed = LabelSchemaInput.parse(liverCtLabelSchema);
    expect(parsed.labels.map((l) => [l.key, l.value])).toEqual([
      ['liver', 1],
      ['liver_lesion', 2],
    ]);
  });

  it('codes each label with SNOMED CT identifiers that pass the Verhoeff check', () => {
    for (const label of liverCtLabelSchema.labels) {
      for (const code of [label.concept, label.category]) {
        expect(code.scheme).toBe('SCT');
        expect(code.value).toMatch(/^[1-9]\d{5,17}$/);
        expect(verhoeffValid(code.value), `${label.key} ${code.value}`).toBe(true);
      }
    }
    expect(verhoeffValid('10200005')).toBe(false); // the check can fail
  });

  it('gives every label inclusion and exclusion rules and a cited reference standard; the lesion needs expert review', () => {
    for (const label of liverCtLabelSchema.labels) {
      expect(label.inclusion.length).toBeGreaterThanOrEqual(3);
      expect(label.exclusion.length).toBeGreaterThanOrEqual(3);
      expect(label.referenceStandard.citation).toMatch(/\d{4}/);
    }
    expect(liverCtLabelSchema.labels.find((l) => l.key === 'liver_lesion')?.requiresExpertReview).toBe(true);
  });
});

describe('demo review protocol', () => {
  it('is valid and checks every label, referring only to labels of the schema', () => {
    ReviewProtocolInput.parse(liverCtReviewProtocol);
    const labelKeys = new Set(liverCtLabelSchema.labels.map((l) => l.key));
    for (const item of liverCtReviewProtocol.checklist) expect(labelKeys.has(item.labelKey)).toBe(true);
    for (const key of labelKeys) {
      expect(liverCtReviewProtocol.checklist.filter((i) => i.labelKey === key).length).toBeGreaterThanOrEqual(4);
    }
    const lesionErrors = liverCtReviewProtocol.checklist.filter((i) => i.labelKey === 'liver_lesion').map((i) => i.errorType);
    expect(lesionErrors).toEqual(expect.arrayContaining(['missed_finding', 'false_finding', 'under_segmentation', 'over_segmentation']));
  });
});

describe('demo users', () => {
  it('has a valid user for every project role (two annotators, to read sampled items twice) and one platform administrator, with no secrets', () => {
    for (const user of demoUsers) Username.parse(user.username);
    expect([...new Set(demoUsers.map((u) => u.role).filter((r) => r !== null))].sort()).toEqual([...roles].sort());
    expect(demoUsers.filter((u) => u.role === 'annotator')).toHaveLength(2);
    for (const role of roles.filter((r) => r !== 'annotator')) expect(demoUsers.filter((u) => u.role === role)).toHaveLength(1);
    expect(demoUsers.filter((u) => u.platformAdmin).map((u) => u.role)).toEqual([null]);
    expect(new Set(demoUsers.map((u) => u.username)).size).toBe(demoUsers.length);
    for (const user of demoUsers) expect(Object.keys(user).sort()).toEqual(['displayName', 'platformAdmin', 'qualification', 'role', 'username']);
  });

  it('gives the clinical roles a radiologist qualification for CT', () => {
    for (const role of ['clinician_annotator', 'expert_reviewer'] as const) {
      expect(demoUsers.find((u) => u.role === role)?.qualification).toEqual({ kind: 'radiologist', modality: 'CT' });
    }
  });
});

describe('demo project settings', () => {
  it('make a valid project request once the schema and protocol references are added', () => {
    const ref = { id: '00000000-0000-4000-8000-000000000000', version: 1 };
    const parsed = CreateProjectRequest.parse({ ...demoProjectSettings, labelSchema: ref, reviewProtocol: ref });
    expect(parsed.modality).toBe('CT');
    expect(parsed.purpose).toMatch(/synthetic/i);
  });
});

describe('demo pathology label schema', () => {
  it('is a valid label schema of the four H&E tissue classes, each with a magnification', () => {
    const parsed = LabelSchemaInput.parse(pathologyLabelSchema);
    expect(parsed.labels.map((l) => [l.key, l.value])).toEqual([
      ['tumour', 1],
      ['stroma', 2],
      ['necrosis', 3],
      ['normal_epithelium', 4],
    ]);
    for (const label of parsed.labels) expect(label.magnification).toBeGreaterThan(0);
  });

  it('codes each class in SNOMED CT (Verhoeff-valid) and gives rules and a cited reference standard', () => {
    for (const label of pathologyLabelSchema.labels) {
      for (const code of [label.concept, label.category]) {
        expect(code.scheme).toBe('SCT');
        expect(verhoeffValid(code.value), `${label.key} ${code.value}`).toBe(true);
      }
      expect(label.definition.length).toBeGreaterThan(40);
      expect(label.inclusion.length).toBeGreaterThan(0);
      expect(label.exclusion.length).toBeGreaterThan(0);
      expect(label.referenceStandard.citation).toMatch(/\d{4}/);
    }
    expect(pathologyLabelSchema.labels.map((l) => l.concept.value)).toEqual(['108369006', '21793004', '6574001', '85756007']);
  });

  it('has a review protocol that checks every class and refers only to them', () => {
    ReviewProtocolInput.parse(pathologyReviewProtocol);
    const keys = new Set(pathologyLabelSchema.labels.map((l) => l.key));
    for (const item of pathologyReviewProtocol.checklist) expect(keys.has(item.labelKey)).toBe(true);
    for (const key of keys) expect(pathologyReviewProtocol.checklist.some((i) => i.labelKey === key)).toBe(true);
  });
});
