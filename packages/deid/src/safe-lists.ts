/**
 * Attributes that Table E.1-1 does not list, with a text VR, that are kept. Everything else with
 * a text VR (LO, SH, ST, LT, UT, UC, UR, AE, PN) that the table does not list gets a dummy value
 * (D): PS3.15 E.1.1 asks that attributes which may carry identifying information be removed even
 * if not listed, and a dummy rather than removal keeps Type 1 and 2 attributes valid. These are
 * coded values, device and protocol vocabulary, labels the IODs require (Type 1), and never
 * free text about a person.
 */
export const safeUnlistedTextKeywords: ReadonlySet<string> = new Set([
  'CodeValue',
  'CodingSchemeDesignator',
  'CodingSchemeVersion',
  'CodeMeaning',
  'LongCodeValue',
  'URNCodeValue',
  'ContextIdentifier',
  'ContextGroupExtensionCreatorUID',
  'MappingResource',
  'MappingResourceName',
  'CodingSchemeName',
  'CodingSchemeResponsibleOrganization',
  'Manufacturer',
  'ManufacturerModelName',
  'SoftwareVersions',
  'ConvolutionKernel',
  'SequenceName',
  'SequenceVariant',
  'ImagedNucleus',
  'TransmitCoilName',
  'WindowCenterWidthExplanation',
  'LUTExplanation',
  'RescaleType',
  'Units',
  'PulseSequenceName',
  'AcquisitionContrast',
  'ReconstructionAlgorithm',
  'FilterType',
  'FocalSpots',
  'ContentLabel',
  'SegmentLabel',
  'SegmentAlgorithmName',
  'ROIGenerationAlgorithm',
  'ROIObservationLabel',
  'RTROIInterpretedType',
  'TextString',
  'ImplementationVersionName',
  'AnatomicRegionModifierSequence',
  'DetectorType',
  'DeidentificationMethod',
  'TrackingID',
  'ProductName',
  'AlgorithmName',
  'AlgorithmVersion',
  'AlgorithmSource',
  'DoseCalibrationFactor',
]);

/**
 * UI attributes not listed in the table whose values name a class, syntax or coding scheme rather
 * than an instance; they are kept even when not under 1.2.840.10008 (private SOP classes).
 */
export const classUidKeywords: ReadonlySet<string> = new Set([
  'SOPClassUID',
  'ReferencedSOPClassUID',
  'MediaStorageSOPClassUID',
  'TransferSyntaxUID',
  'ReferencedTransferSyntaxUIDInFile',
  'ReferencedSOPClassUIDInFile',
  'ReferencedRelatedGeneralSOPClassUIDInFile',
  'RelatedGeneralSOPClassUID',
  'OriginalSpecializedSOPClassUID',
  'CodingSchemeUID',
  'ContextUID',
  'MappingResourceUID',
  'ImplementationClassUID',
  'SOPClassesInStudy',
  'AffectedSOPClassUID',
  'RequestedSOPClassUID',
  'PrivateInformationCreatorUID',
]);

/** A private element allowlisted under Retain Safe Private (PS3.15 E.3.10): creator + element byte. */
export interface SafePrivateRule {
  readonly creator: string;
  readonly group: number;
  /** Element number within the block (0x00–0xFF). */
  readonly element: number;
}

/**
 * The default allowlist under Retain Safe Private: diffusion acquisition parameters listed as safe
 * in PS3.15 Table E.3.10-1 (numbers describing the acquisition, never free text). Projects pass
 * their own list through DeidConfig.safePrivate to widen or narrow it.
 */
export const defaultSafePrivate: readonly SafePrivateRule[] = [
  { creator: 'SIEMENS MR HEADER', group: 0x0019, element: 0x0c }, // B value
  { creator: 'SIEMENS MR HEADER', group: 0x0019, element: 0x0d }, // diffusion directionality
  { creator: 'SIEMENS MR HEADER', group: 0x0019, element: 0x0e }, // diffusion gradient direction
  { creator: 'GEMS_PARM_01', group: 0x0043, element: 0x39 }, // slop_int_6..9 (b value)
  { creator: 'Philips Imaging DD 001', group: 0x2001, element: 0x03 }, // diffusion b-factor
];
