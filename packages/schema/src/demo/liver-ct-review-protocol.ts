import type { ReviewProtocolInput } from '../review-protocol';

/**
 * The demo project's review protocol, "Liver CT review" version 1: for each label of
 * {@link liverCtLabelSchema}, the clinical-judgement decisions a reviewer checks, and the error
 * type a failed item records.
 */
export const liverCtReviewProtocol: ReviewProtocolInput = {
  name: 'Liver CT review',
  checklist: [
    {
      key: 'liver.hilum-vessels-excluded',
      labelKey: 'liver',
      question: 'Are the main portal vein and its first-order branches at the hilum excluded from the liver?',
      errorType: 'over_segmentation',
    },
    {
      key: 'liver.ivc-excluded',
      labelKey: 'liver',
      question: 'Is the inferior vena cava, including its intrahepatic segment, excluded?',
      errorType: 'over_segmentation',
    },
    {
      key: 'liver.gallbladder-excluded',
      labelKey: 'liver',
      question: 'Are the gallbladder and the extrahepatic bile ducts excluded?',
      errorType: 'over_segmentation',
    },
    {
      key: 'liver.no-neighbour-organs',
      labelKey: 'liver',
      question: 'Does the contour stay off the diaphragm, heart, right kidney, stomach, duodenum and spleen?',
      errorType: 'over_segmentation',
    },
    {
      key: 'liver.full-extent',
      labelKey: 'liver',
      question: 'Is the liver drawn on every slice from the dome to the inferior tip, including the caudate lobe and the left lateral segments?',
      errorType: 'under_segmentation',
    },
    {
      key: 'liver.lesions-carved-out',
      labelKey: 'liver',
      question: 'Do lesion voxels carry the liver-lesion label rather than the liver label, with no gap between the two?',
      errorType: 'wrong_label',
    },
    {
      key: 'lesion.all-10mm-included',
      labelKey: 'liver_lesion',
      question: 'Are all lesions with a longest axial diameter of 10 mm or more segmented?',
      errorType: 'missed_finding',
    },
    {
      key: 'lesion.true-lesions-only',
      labelKey: 'liver_lesion',
      question: 'Is every segmented lesion a true lesion, not a vessel in cross-section, a perfusion anomaly, focal fat or partial volume at the liver edge?',
      errorType: 'false_finding',
    },
    {
      key: 'lesion.full-extent',
      labelKey: 'liver_lesion',
      question: 'Does each lesion reach its visible edge on every slice it appears on, including the rim and any necrotic centre?',
      errorType: 'under_segmentation',
    },
    {
      key: 'lesion.no-margin',
      labelKey: 'liver_lesion',
      question: 'Is each lesion free of added margin and of surrounding normal parenchyma?',
      errorType: 'over_segmentation',
    },
    {
      key: 'lesion.arises-from-liver',
      labelKey: 'liver_lesion',
      question: 'Does every lesion arise from the liver, not from the right kidney, adrenal gland, a lymph node or the bowel?',
      errorType: 'wrong_label',
    },
  ],
};

/** Version of {@link liverCtReviewProtocol}. */
export const liverCtReviewProtocolVersion = 1;
