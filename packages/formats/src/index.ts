export { DicomDataset, tag, tagHex, tagLabel, transferSyntaxes, longLengthVrs } from './dicom/dataset';
export type { DicomElement, DicomFile } from './dicom/dataset';
export { readDicomFile } from './dicom/read';
export { assertDecodable, declaredPixelBytes, DEFAULT_MAX_DECODED_BYTES, maxDecodedBytes } from './decoded-limit';
export type { DeclaredGeometry } from './decoded-limit';
export { writeDicomFile, writeDicomFileChunks } from './dicom/write';
export type { WriteOptions } from './dicom/write';
export { decodeString, encodeString, getString, setString, getNumber, getNumbers, encodeUint32, walkDatasets } from './dicom/values';
export { frameFunctionalGroup, hasFunctionalGroups, PER_FRAME_FUNCTIONAL_GROUPS, SHARED_FUNCTIONAL_GROUPS } from './dicom/functional-groups';
export { dictionaryVr, dictionaryKeyword, tagForKeyword } from './dicom/dictionary';
export { transferSyntax, canDecode, decodableCodecs, EXPLICIT_VR_LITTLE_ENDIAN } from './pixel/transfer-syntax';
export type { PixelCodec, TransferSyntax } from './pixel/transfer-syntax';
export { walkDicom, findElement, elementString, elementUint16, PIXEL_DATA } from './pixel/dataset-walker';
export type { TopLevelElement, WalkedDicom } from './pixel/dataset-walker';
export { editTopLevel, textValue, uint16Value } from './pixel/dataset-editor';
export type { ElementEdit } from './pixel/dataset-editor';
export { readPixelSource, readImageSignature, frameBitstreams } from './pixel/pixel-source';
export type { EncodedPixels, ImageSignature, PixelDescription, PixelSource, StoredPixelData } from './pixel/pixel-source';
export { decodePixels, frameByteLength } from './pixel/decode';
export type { DecodedPixels } from './pixel/decode';
export { encodeNativePixels, writePixels } from './pixel/encode';
export type { WrittenPixels } from './pixel/encode';
export { decodeRleFrame, encodeRleFrame } from './pixel/rle';
export { generateCtPhantom, writeCtPhantom, ctImageStorage } from './synthetic/ct-phantom';
export type { CtPhantom, CtPhantomGeometry, CtPhantomOptions, CtPhantomSlice, CtPhantomUids, WrittenCtPhantom } from './synthetic/ct-phantom';
export { enhancedMrImageStorage, enhancedMrPhantomValue, generateEnhancedMrPhantom } from './synthetic/enhanced-mr';
export type { EnhancedMrPhantom, EnhancedMrPhantomOptions } from './synthetic/enhanced-mr';
export { phantomHu, phantomLabelValues } from './synthetic/ct-phantom-anatomy';
export type { PhantomLesion, PhantomLesionPlacement, PhantomTissue } from './synthetic/ct-phantom-anatomy';
export { uidFromName } from './synthetic/uids';
export { decodeNifti, encodeNifti, gzipSizeHint, niftiLabels, niftiValues, parseNiftiHeader } from './nifti/nifti';
export type { NiftiArray, NiftiDatatype, NiftiHeader, NiftiImage, NiftiWriteInput, OrientationSource } from './nifti/nifti';
export { readNiftiFile, writeNiftiFile } from './nifti/files';
export { niftiAffineFromGeometry, type VolumeGeometry } from './nifti/affine';
export { decodeNiftiLabelRuns, readNiftiLabelRuns } from './nifti/label-runs';
export type { NiftiLabelRuns } from './nifti/label-runs';
export { recutJpeg } from './pixel/jpeg-recut';
export type { JpegCrop } from './pixel/jpeg-recut';
export { readTiff, readTiffRanged, writeTiff, writeTiffTo, bytesSource, entryNumbers, entryText, TIFF_TAG } from './pixel/tiff';
export { fileByteSource } from './pixel/tiff-file-source';
export type { ByteSource, TiffBlock, TiffEntry, TiffFile, TiffImage, TiffImageToWrite, TiffValue } from './pixel/tiff';
export { loadWasmCodecs } from './pixel/wasm-codecs';
export { MASK_TILE_SIZE, maskTileChunkShape, writeOmeZarrLabelMap, writeOmeZarrLabels } from './zarr/ome-zarr-labels';
export { zipFolder } from './zarr/zip-folder';
export { expandZip, type ExpandZipOptions, type ZipMember } from './zip/expand-zip';
export type { OmeZarrChunkCodec, OmeZarrLabel, OmeZarrLabelChunk, OmeZarrLabelImage, OmeZarrSpaceUnit, WrittenOmeZarrLabels } from './zarr/ome-zarr-labels';
export { writeSegmentation, segmentationStorage, labelMapSegmentationStorage } from './seg/write';
export { writeSlideSegmentation, slideSegSourceOf, vlWholeSlideMicroscopyStorage, type SlideSegSource, type SlideSegWriteInput, type SlideSegPseudonyms } from './seg/slide-seg';
export { readSegmentation } from './seg/read';
export { labelVolumeOnGrid, placeFrames, segmentationOnGrid } from './seg/grid';
export { toSnomedCt } from './seg/codes';
export type {
  CodedConcept,
  ReadSegment,
  ReadSegmentation,
  SegFrame,
  SegmentAlgorithm,
  SegmentAlgorithmType,
  SegmentationType,
  SegmentDescription,
  SegPatientStudy,
  SegSeries,
  SegSource,
  SegSourceSlice,
  SegTargetGrid,
  SegWriteInput,
} from './seg/types';
export { encodeGreyPng, type GreyImage } from './png/png';
export { writeRtStruct } from './rtstruct/write';
export { readRtStruct } from './rtstruct/read';
export { rasteriseRoi } from './rtstruct/grid';
export { fillContours, sliceContours, type PixelContour } from './rtstruct/contours';
export { rtStructureSetStorage, type ReadRtStruct, type RtStructContour, type RtStructRoi, type RtStructRoiInput, type RtStructWriteInput } from './rtstruct/types';
export { encodeRgbPng } from './png/png';
export { ophthalmicPhotography8BitStorage, ophthalmicPhotography16BitStorage, writeOphthalmicPhoto } from './ophthalmic-photo/write';
export type { EyeLaterality, OphthalmicPhotoInput, PhotoPixels } from './ophthalmic-photo/write';
export { decodeJpegPhoto, decodePng, decodeRasterPhoto, isRasterPhoto } from './ophthalmic-photo/raster';
export { generateSyntheticFundus } from './ophthalmic-photo/synthetic-fundus';
export type { Ellipse, SyntheticFundus, SyntheticFundusOptions } from './ophthalmic-photo/synthetic-fundus';
export { generateOctPhantom, type OctPhantom } from './synthetic/oct-opt';
export { OPHTHALMIC_PHOTOGRAPHY_8BIT_IMAGE_STORAGE, writeOctInstances, type OctInstanceInput, type OctInstances, type OctSourceIdentity } from './oct/opt-write';
export { octRetinaBoundaries, octRetinaEzLoss, octRetinaFoveaUm, octRetinaGeometry, octRetinaHasEzLoss, octRetinaSlabsUm, octRetinaThicknessUm } from './synthetic/oct-retina';
export { OPHTHALMIC_TOMOGRAPHY_IMAGE_STORAGE, octGeometryOfOpt } from './oct/opt-geometry';
export { heyexLineBoundary, type HeyexExport } from './heyex/heyex-export';
export { readHeyexVol } from './heyex/vol';
export { readHeyexXml } from './heyex/xml';
export { cineLabelValues, endSystolicPhase, type CineEllipse, type CineSliceShapes } from './synthetic/cine-anatomy';
export { cinePhantom, type CineKnownValues, type CinePhantom, type CinePhantomOptions, type CineVentricleValues } from './synthetic/cine-phantom';
export { cineClassicInstances, cineEnhancedInstance, mrImageStorage, type CineInstanceFile } from './synthetic/cine-dicom';
export { decodeCineNifti, encodeCineNifti, type CineNiftiInput, type DecodedCineNifti } from './nifti/cine-nifti';
export { cineSegmentationInput, type CineSegmentationInput } from './seg/cine-seg';
export {
  dicomVideoSopClasses,
  h264HighProfileLevel41,
  h264TransferSyntaxes,
  videoEndoscopicImageStorage,
  videoMicroscopicImageStorage,
  videoPhotographicImageStorage,
  writeVideoEndoscopic,
  type VideoEndoscopicOptions,
} from './synthetic/video-endoscopic';
