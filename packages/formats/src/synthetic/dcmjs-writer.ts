import { createRequire } from 'node:module';

/**
 * The part of dcmjs this folder uses to write Part 10 files, typed locally: dcmjs ships no
 * type declarations, and a narrow interface here avoids a global `declare module` that could
 * clash with other typings of dcmjs in this package.
 */
interface DcmjsElement {
  vr: string;
  Value: unknown[];
}
type DenaturalizedDataset = Record<string, DcmjsElement>;
interface DcmjsData {
  DicomMetaDictionary: { denaturalizeDataset(dataset: Record<string, unknown>): DenaturalizedDataset };
  DicomDict: new (meta: DenaturalizedDataset) => { dict: DenaturalizedDataset; write(options?: { fragmentMultiframe?: boolean }): ArrayBuffer };
}

const dcmjs = createRequire(import.meta.url)('dcmjs') as { data: DcmjsData };

export const explicitVrLittleEndian = '1.2.840.10008.1.2.1';

/**
 * Writes one DICOM Part 10 file (in the meta's transfer syntax) from naturalised attributes
 * (keyword → value, as dcmjs names them) and its file meta information. Encapsulated Pixel Data
 * is cut by dcmjs into 20 KiB fragments unless `fragmentMultiframe` is false (one fragment per frame).
 */
export function writePart10(meta: Record<string, unknown>, dataset: Record<string, unknown>, options: { fragmentMultiframe?: boolean } = {}): Uint8Array {
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(options.fragmentMultiframe === undefined ? dict.write() : dict.write({ fragmentMultiframe: options.fragmentMultiframe }));
}
