import type { ReviewProtocolInput } from '../review-protocol';

/**
 * The pathology demo's review protocol, "H&E tissue classes review" version 1: for each label of
 * {@link pathologyLabelSchema}, the judgement a reviewer checks and the error a failed item records.
 */
export const pathologyReviewProtocol: ReviewProtocolInput = {
  name: 'H&E tissue classes review',
  checklist: [
    { key: 'tumour.invasive-front', labelKey: 'tumour', question: 'Does the tumour reach the invasive front, including budding cells at 40×?', errorType: 'under_segmentation' },
    { key: 'tumour.no-broad-stroma', labelKey: 'tumour', question: 'Is broad stroma between tumour cell groups left to the stroma class?', errorType: 'over_segmentation' },
    { key: 'stroma.intratumoural', labelKey: 'stroma', question: 'Is the stroma inside the tumour area painted, as for tumour–stroma ratio scoring?', errorType: 'under_segmentation' },
    { key: 'necrosis.confluent-only', labelKey: 'necrosis', question: 'Is only confluent necrosis larger than a gland labelled, not luminal debris?', errorType: 'over_segmentation' },
    { key: 'normal-epithelium.no-dysplasia', labelKey: 'normal_epithelium', question: 'Is the epithelium labelled normal free of dysplasia?', errorType: 'wrong_label' },
  ],
};
