import type { CodedConcept } from './types';

/**
 * SNOMED RT (`SRT`) codes still found in older segmentations (dcmqi, 3D Slicer before 2019),
 * with their SNOMED CT concept ids. DICOM retired SRT in favour of SCT (PS3.16, 2017); a file
 * coded in SRT is matched to the schema through this table, and an SRT code not listed here is
 * treated as unknown rather than guessed.
 */
const snomedRtToCt: ReadonlyMap<string, string> = new Map([
  ['T-D0050', '85756007'], // Tissue
  ['T-D000A', '91723000'], // Anatomical structure
  ['M-01000', '49755003'], // Morphologically altered structure
  ['T-62000', '10200004'], // Liver
  ['T-32000', '80891009'], // Heart
  ['T-28000', '39607008'], // Lung
  ['T-71000', '64033007'], // Kidney
  ['T-A0100', '12738006'], // Brain
  ['T-C3000', '78961009'], // Spleen
]);

/** The concept in SNOMED CT (`SCT`): as given when already SCT, translated from SRT when known, else undefined. */
export function toSnomedCt(concept: CodedConcept): CodedConcept | undefined {
  if (concept.scheme === 'SCT') return concept;
  if (concept.scheme === 'SRT') {
    const value = snomedRtToCt.get(concept.value);
    return value ? { scheme: 'SCT', value, meaning: concept.meaning } : undefined;
  }
  return undefined;
}
