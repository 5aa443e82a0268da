export { DicomDataset, tag, tagHex, tagLabel, transferSyntaxes, longLengthVrs } from './dicom/dataset';
export type { DicomElement, DicomFile } from './dicom/dataset';
export { readDicomFile } from './dicom/read';
export { writeDicomFile } from './dicom/write';
export type { WriteOptions } from './dicom/write';
export { decodeString, encodeString, getString, setString, getNumber, encodeUint32, walkDatasets } from './dicom/values';
export { dictionaryVr, dictionaryKeyword, tagForKeyword } from './dicom/dictionary';
