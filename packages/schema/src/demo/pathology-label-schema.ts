import type { LabelSchemaInput } from '../label-schema';

const who = {
  title: 'WHO Classification of Tumours (5th edition) with the CAP cancer protocol templates',
  citation:
    'WHO Classification of Tumours Editorial Board. WHO Classification of Tumours, 5th ed. Lyon: International Agency for Research on Cancer; 2019 onwards. College of American Pathologists. Cancer Protocol Templates. Northfield, IL: CAP.',
};

const tissueClasses = 'Kather JN, Krisam J, Charoentong P, et al. Predicting survival from colorectal cancer histology slides using deep learning: a retrospective multicenter study. PLoS Med. 2019;16(1):e1002730.';

/**
 * The demo's pathology label schema, "H&E tissue classes" version 1: four tissue classes painted
 * on a haematoxylin and eosin slide, as in tissue-class atlases of colorectal cancer (Kather et
 * al. 2019) and tumour–stroma ratio scoring (van Pelt et al. 2018).
 *
 * Codes are SNOMED CT concepts of DICOM's segmentation context groups (CID 7151 and 7150):
 * 108369006 "Neoplasm" and 6574001 "Necrosis" as morphologically abnormal structures
 * (49755003), 21793004 "Connective tissue" for stroma and 85756007 "Tissue" for normal
 * epithelium (its definition says which), both in the category "Tissue" (85756007). Only codes
 * checked against those context groups are used.
 */
export const pathologyLabelSchema: LabelSchemaInput = {
  name: 'H&E tissue classes',
  labels: [
    {
      key: 'tumour',
      value: 1,
      name: 'Tumour',
      concept: { scheme: 'SCT', value: '108369006', meaning: 'Neoplasm' },
      category: { scheme: 'SCT', value: '49755003', meaning: 'Morphologically abnormal structure' },
      colour: '#d62728',
      definition: 'Viable invasive tumour: neoplastic epithelial cells in glands, nests, cords or sheets, with the intratumoural stroma narrower than the tumour cell groups it separates.',
      inclusion: [
        'Tumour cell groups with enlarged, crowded, hyperchromatic or pleomorphic nuclei, at any grade',
        'Tumour glands with luminal debris (dirty necrosis) when the lumen is smaller than the gland around it',
        'Tumour budding and single infiltrating tumour cells at the invasive front, painted at 40×',
      ],
      exclusion: [
        'Confluent necrosis larger than a gland (labelled as necrosis)',
        'Broad desmoplastic or fibrous stroma between tumour cell groups (labelled as stroma)',
        'Dysplasia or carcinoma in situ confined to the mucosa without invasion (not labelled in this schema)',
      ],
      referenceStandard: who,
      requiresExpertReview: true,
      magnification: 40,
      // The invasive front against the stroma: scored (tumour–stroma ratio, budding) and reviewed by an expert.
      boundaryWith: ['stroma'],
    },
    {
      key: 'stroma',
      value: 2,
      name: 'Stroma',
      concept: { scheme: 'SCT', value: '21793004', meaning: 'Connective tissue' },
      category: { scheme: 'SCT', value: '85756007', meaning: 'Tissue' },
      colour: '#2ca02c',
      definition: 'Fibrous and desmoplastic connective tissue, with its fibroblasts, vessels and inflammatory cells, between and around tumour cell groups and normal structures.',
      inclusion: [
        'Eosinophilic collagen with spindle-shaped fibroblast nuclei, loose or dense',
        'Small vessels and scattered lymphocytes within the connective tissue',
        'Stroma inside the tumour area, scored as in tumour–stroma ratio assessment',
      ],
      exclusion: ['Tumour cell groups (labelled as tumour)', 'Smooth muscle of the muscularis propria and adipose tissue (not labelled in this schema)', 'Empty glass and tissue folds'],
      referenceStandard: {
        title: 'Tumour–stroma ratio scoring procedure',
        citation: `van Pelt GW, Kjær-Frifeldt S, van Krieken JHJM, et al. Scoring the tumor-stroma ratio in colon cancer: procedure and recommendations. Virchows Arch. 2018;473(4):405-412. ${tissueClasses}`,
      },
      requiresExpertReview: false,
      magnification: 10,
    },
    {
      key: 'necrosis',
      value: 3,
      name: 'Necrosis',
      concept: { scheme: 'SCT', value: '6574001', meaning: 'Necrosis' },
      category: { scheme: 'SCT', value: '49755003', meaning: 'Morphologically abnormal structure' },
      colour: '#7f7f7f',
      definition: 'Confluent tumour necrosis: areas of dead cells with karyorrhectic or absent nuclei, eosinophilic debris and ghost outlines, larger than a tumour gland.',
      inclusion: ['Geographic necrosis with nuclear dust and eosinophilic debris', 'Comedo-type necrosis filling a tumour area larger than one gland'],
      exclusion: ['Luminal debris inside a single gland (part of the tumour)', 'Haemorrhage, mucin pools and cautery artefact at the resection margin', 'Autolysis of the whole slide (the slide is returned, not labelled)'],
      referenceStandard: who,
      requiresExpertReview: true,
      magnification: 10,
    },
    {
      key: 'normal_epithelium',
      value: 4,
      name: 'Normal epithelium',
      concept: { scheme: 'SCT', value: '85756007', meaning: 'Tissue' },
      category: { scheme: 'SCT', value: '85756007', meaning: 'Tissue' },
      colour: '#1f77b4',
      definition: 'Non-neoplastic epithelium: normal mucosal glands or surface epithelium with regular, basally placed nuclei and preserved polarity, away from the tumour.',
      inclusion: ['Normal crypts and surface epithelium with their lamina propria at the edge of the section', 'Reactive epithelium without dysplasia'],
      exclusion: ['Dysplastic or neoplastic epithelium (labelled as tumour when invasive)', 'Stroma between normal glands deeper than the lamina propria (labelled as stroma)'],
      referenceStandard: { title: 'Tissue classes of colorectal cancer histology', citation: `${tissueClasses} ${who.citation}` },
      requiresExpertReview: false,
      magnification: 20,
    },
  ],
};
