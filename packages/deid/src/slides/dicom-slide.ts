import { getString, type DicomDataset } from '@delineate/formats';
import type { SlideComposition } from '../pipeline-types';

const VL_WHOLE_SLIDE_MICROSCOPY = '1.2.840.10008.5.1.4.1.1.77.1.6';
const SPECIMEN_DESCRIPTION_SEQUENCE = 0x00400560;
const SPECIMEN_PREPARATION_SEQUENCE = 0x00400610;
const PREPARATION_STEP_CONTENT_ITEMS = 0x00400612;
const CONCEPT_NAME_CODE_SEQUENCE = 0x0040a043;
const CONCEPT_CODE_SEQUENCE = 0x0040a168;
/** SNOMED CT 424361007 "Using substance": the stain of a staining step. */
const USING_SUBSTANCE = '424361007';

function imageTypeValues(dataset: DicomDataset): string[] {
  return (getString(dataset, 0x00080008) ?? '').split('\\').map((v) => v.trim().toUpperCase());
}

/**
 * True for a DICOM whole-slide image that shows the slide label or the whole-slide overview
 * (ImageType value 3 LABEL or OVERVIEW), or any WSI instance that says the specimen label is
 * in the image (SpecimenLabelInImage YES). Such instances are dropped, not de-identified:
 * the label is handwriting and barcodes the OCR cannot be trusted with.
 */
export function isSlideLabelOrOverview(dataset: DicomDataset): boolean {
  const sopClass = getString(dataset, 0x00080016)?.trim();
  const modality = getString(dataset, 0x00080060)?.trim().toUpperCase();
  if (sopClass !== VL_WHOLE_SLIDE_MICROSCOPY && modality !== 'SM') return false;
  const types = imageTypeValues(dataset);
  if (types.includes('LABEL') || types.includes('OVERVIEW')) return true;
  return getString(dataset, 0x00480010)?.trim().toUpperCase() === 'YES';
}

function items(dataset: DicomDataset, tag: number): DicomDataset[] {
  return dataset.get(tag)?.items ?? [];
}

function codeMeaning(item: DicomDataset | undefined): string | undefined {
  return item ? getString(item, 0x00080104)?.trim() || undefined : undefined;
}

/**
 * Stain and scanner of a DICOM slide, read before de-identification: the stains from the
 * "Using substance" items of the specimen preparation steps (code meanings, not free text),
 * the scanner from Manufacturer and ManufacturerModelName.
 */
export function slideCompositionFromDicom(dataset: DicomDataset): SlideComposition {
  const stains = new Set<string>();
  for (const specimen of items(dataset, SPECIMEN_DESCRIPTION_SEQUENCE)) {
    for (const step of items(specimen, SPECIMEN_PREPARATION_SEQUENCE)) {
      for (const content of items(step, PREPARATION_STEP_CONTENT_ITEMS)) {
        const concept = items(content, CONCEPT_NAME_CODE_SEQUENCE)[0];
        if (getString(concept ?? content, 0x00080100)?.trim() !== USING_SUBSTANCE) continue;
        const meaning = codeMeaning(items(content, CONCEPT_CODE_SEQUENCE)[0]);
        if (meaning) stains.add(meaning);
      }
    }
  }
  const scanner = [getString(dataset, 0x00080070)?.trim(), getString(dataset, 0x00081090)?.trim()].filter((v): v is string => !!v).join(' ');
  return { ...(stains.size > 0 ? { stain: [...stains].join(' + ') } : {}), ...(scanner ? { scanner } : {}) };
}
