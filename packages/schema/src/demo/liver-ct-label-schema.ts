import type { LabelSchemaInput } from '../label-schema';

/**
 * The demo project's label schema, "Liver CT" version 1: the liver and its focal lesions as
 * gross tumour volume, with the label values of the synthetic phantom's ground truth
 * (1 liver, 2 lesion; lesion voxels are not also liver, as in LiTS).
 *
 * Codes: SNOMED CT 10200004 "Liver structure" and 300331000 "Lesion of liver", in the DICOM
 * segmentation categories 123037004 "Anatomical Structure" and 49755003 "Morphologically
 * abnormal structure" (CID 7150). The lesion is the radiotherapy target SNOMED CT 228791009
 * "Gross tumor volume" (CID 9534) in its definition; the schema carries one concept per label.
 */
export const liverCtLabelSchema: LabelSchemaInput = {
  name: 'Liver CT',
  labels: [
    {
      key: 'liver',
      value: 1,
      name: 'Liver',
      concept: { scheme: 'SCT', value: '10200004', meaning: 'Liver structure' },
      category: { scheme: 'SCT', value: '123037004', meaning: 'Anatomical Structure' },
      colour: '#c8783c',
      definition:
        'The whole liver parenchyma inside the liver capsule, Couinaud segments I to VIII. Voxels of liver lesions carry the liver-lesion label instead, so liver and liver lesion together make up the organ.',
      inclusion: [
        'All parenchyma from the dome under the right hemidiaphragm to the inferior tip of the right lobe, on every slice where liver is visible',
        'The caudate lobe (segment I) and the left lateral segments (II and III), including a left lobe that reaches across the midline towards the spleen',
        'Intrahepatic branches of the portal and hepatic veins and bile ducts beyond the hilum, where they are surrounded by parenchyma',
        'Parenchyma up to the edge of each lesion, with no gap between the liver and liver-lesion labels',
      ],
      exclusion: [
        'The main portal vein and its first-order branches at the hilum (porta hepatis)',
        'The inferior vena cava, including its intrahepatic segment',
        'The gallbladder, the extrahepatic bile ducts and the fissure for the ligamentum teres',
        'Liver lesions (labelled as liver lesion)',
        'Perihepatic fat and fluid, the diaphragm, and adjacent organs: right kidney and adrenal gland, stomach, duodenum, heart, spleen',
      ],
      referenceStandard: {
        title: 'RTOG consensus contouring guidelines for upper abdominal organs (liver), with Couinaud segmental anatomy',
        citation:
          'Jabbour SK, Hashem SA, Bosch W, et al. Upper abdominal normal organ contouring guidelines and atlas: a Radiation Therapy Oncology Group consensus. Pract Radiat Oncol. 2014;4(2):82-89 (PMC4285338). Couinaud C. Le foie: études anatomiques et chirurgicales. Paris: Masson; 1957.',
      },
      requiresExpertReview: false,
    },
    {
      key: 'liver_lesion',
      value: 2,
      name: 'Liver lesion (gross tumour volume)',
      concept: { scheme: 'SCT', value: '300331000', meaning: 'Lesion of liver' },
      category: { scheme: 'SCT', value: '49755003', meaning: 'Morphologically abnormal structure' },
      colour: '#e6194b',
      definition:
        'Each focal liver lesion drawn as its gross tumour volume (SNOMED CT 228791009): the visible extent of the lesion on this CT, one connected region per lesion, with no margin added for microscopic spread, motion or set-up.',
      inclusion: [
        'Every focal lesion inside the liver with a longest axial diameter of 10 mm or more',
        'The whole lesion on every slice it appears on: enhancing rim, necrotic or cystic centre and calcification within it',
        'Lesions that reach or bulge through the liver capsule, up to their visible edge',
        'Lesions under 10 mm that are seen with confidence on at least two consecutive slices (the expert reviewer confirms them)',
      ],
      exclusion: [
        'Vessels and bile ducts, including vessels in cross-section that mimic a round lesion',
        'Perfusion anomalies, focal fatty infiltration or sparing, and oedema around a lesion',
        'Any margin: clinical, internal or planning target volumes (CTV, ITV, PTV) are not drawn in this label',
        'Extrahepatic disease: lymph nodes, peritoneal and diaphragmatic deposits',
      ],
      referenceStandard: {
        title:
          'LiTS liver tumour annotation; ICRU Report 50 definition of the gross tumour volume; RECIST 1.1 threshold for measurable lesions (10 mm on CT)',
        citation:
          'Bilic P, Christ P, Li HB, et al. The Liver Tumor Segmentation Benchmark (LiTS). Med Image Anal. 2023;84:102680. doi:10.1016/j.media.2022.102680. International Commission on Radiation Units and Measurements. ICRU Report 50: Prescribing, Recording, and Reporting Photon Beam Therapy. Bethesda, MD: ICRU; 1993. Eisenhauer EA, Therasse P, Bogaerts J, et al. New response evaluation criteria in solid tumours: revised RECIST guideline (version 1.1). Eur J Cancer. 2009;45(2):228-247. doi:10.1016/j.ejca.2008.10.026.',
      },
      requiresExpertReview: true,
    },
  ],
};

/** Version of {@link liverCtLabelSchema}: a change to it is a new version, never an edit. */
export const liverCtLabelSchemaVersion = 1;
