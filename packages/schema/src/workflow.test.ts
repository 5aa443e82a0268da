import { describe, expect, it } from 'vitest';
import { ExpertReviewRules, ReviewAnswerInput, SignificantRegionMark, VoxelBox, WorkflowConfig } from './workflow';

describe('workflow vocabulary', () => {
  it('asks a failed checklist answer for its error type, and a comment for "other"', () => {
    expect(ReviewAnswerInput.safeParse({ itemKey: 'liver.full-extent', passed: true }).success).toBe(true);
    expect(ReviewAnswerInput.safeParse({ itemKey: 'liver.full-extent', passed: false }).success).toBe(false);
    expect(ReviewAnswerInput.safeParse({ itemKey: 'liver.full-extent', passed: false, errorType: 'wrong_side' }).success).toBe(true);
    expect(ReviewAnswerInput.safeParse({ itemKey: 'liver.full-extent', passed: true, errorType: 'wrong_side' }).success).toBe(false);
    expect(ReviewAnswerInput.safeParse({ itemKey: 'liver.full-extent', passed: false, errorType: 'other', note: '  ' }).success).toBe(false);
    expect(ReviewAnswerInput.safeParse({ itemKey: 'liver.full-extent', passed: false, errorType: 'other', note: 'lesion missed' }).success).toBe(true);
  });

  it('checks boxes, expert rules and the configuration', () => {
    expect(VoxelBox.safeParse({ min: [1, 2, 3], max: [1, 2, 3] }).success).toBe(true);
    expect(VoxelBox.safeParse({ min: [1, 2, 4], max: [1, 2, 3] }).success).toBe(false);
    expect(SignificantRegionMark.safeParse({ labelKey: 'liver', box: { min: [0, 0, -1], max: [1, 1, 1] } }).success).toBe(false);
    expect(ExpertReviewRules.safeParse({ labelKeys: ['liver', 'liver'], significantRegions: true }).success).toBe(false);
    const config = {
      oversightModel: 'supervised_technologist',
      labelSchema: { id: '00000000-0000-4000-8000-000000000001', version: 1 },
      reviewProtocol: { id: '00000000-0000-4000-8000-000000000002', version: 1 },
      agreementSampling: { fraction: 0.3, readersPerItem: 3, blinded: true },
      expertReview: { labelKeys: ['liver_lesion'], significantRegions: true },
      agreementThresholds: { dice: 0.8, fleissKappa: 0.6 },
      samplingSeed: 7,
    };
    expect(WorkflowConfig.safeParse(config).success).toBe(true);
    expect(WorkflowConfig.safeParse({ ...config, oversightModel: 'self_review' }).success).toBe(false);
    expect(WorkflowConfig.safeParse({ ...config, agreementThresholds: { dice: 1.2, fleissKappa: 0.6 } }).success).toBe(false);
    expect(WorkflowConfig.safeParse({ ...config, samplingSeed: -1 }).success).toBe(false);
  });
});
