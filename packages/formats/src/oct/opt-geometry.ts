import type { OctGeometry } from '@delineate/core';
import { DelineateError } from '@delineate/schema';
import type { DicomDataset } from '../dicom/dataset';
import { frameFunctionalGroup } from '../dicom/functional-groups';
import { getNumber, getNumbers, getString } from '../dicom/values';

export const OPHTHALMIC_TOMOGRAPHY_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.77.1.5.4';

const SOP_CLASS_UID = 0x00080016;
const NUMBER_OF_FRAMES = 0x00280008;
const ROWS = 0x00280010;
const COLUMNS = 0x00280011;
const PIXEL_MEASURES = 0x00289110;
const PIXEL_SPACING = 0x00280030;
const SLICE_THICKNESS = 0x00180050;
const IMAGE_LATERALITY = 0x00200062;
const FRAME_ANATOMY = 0x00209071;
const FRAME_LATERALITY = 0x00209072;
const OPHTHALMIC_FRAME_LOCATION = 0x00220031;
const REFERENCE_COORDINATES = 0x00220032;

function invalid(message: string): never {
  throw new DelineateError('DLN_OCT_GEOMETRY_INVALID', message);
}

// Reference Coordinates is FL: read by its VR, not as text.
function numbers(dataset: DicomDataset | undefined, t: number): number[] {
  return dataset ? getNumbers(dataset, t) : [];
}

/**
 * The sampling of an Ophthalmic Tomography instance: B-scan count (frames), A-scans (columns)
 * and axial rows, A-scan and axial spacing from Pixel Measures (row spacing is axial), and the
 * B-scan spacing from the frames' lines on the localizer when they are given (the distance
 * between the first two frames' start points, in localizer pixels times the localizer pixel
 * size), else from the Pixel Measures slice thickness.
 */
export function octGeometryOfOpt(dataset: DicomDataset, localizerPixelUm?: number): OctGeometry {
  if (getString(dataset, SOP_CLASS_UID) !== OPHTHALMIC_TOMOGRAPHY_IMAGE_STORAGE) invalid('The instance is not an Ophthalmic Tomography Image');
  const bscans = getNumber(dataset, NUMBER_OF_FRAMES) ?? 1;
  const rows = getNumber(dataset, ROWS);
  const ascans = getNumber(dataset, COLUMNS);
  if (!rows || !ascans || bscans < 1) invalid('The instance has no rows, columns or frames');
  const measures = frameFunctionalGroup(dataset, 0, PIXEL_MEASURES);
  const [axialMm, ascanMm] = numbers(measures, PIXEL_SPACING);
  if (!(axialMm! > 0) || !(ascanMm! > 0)) invalid('Pixel Measures give no positive pixel spacing');
  let bscanUm = (numbers(measures, SLICE_THICKNESS)[0] ?? Number.NaN) * 1000;
  if (bscans > 1 && localizerPixelUm !== undefined) {
    const first = numbers(frameFunctionalGroup(dataset, 0, OPHTHALMIC_FRAME_LOCATION), REFERENCE_COORDINATES);
    const second = numbers(frameFunctionalGroup(dataset, 1, OPHTHALMIC_FRAME_LOCATION), REFERENCE_COORDINATES);
    if (first.length >= 2 && second.length >= 2) bscanUm = Math.hypot(second[0]! - first[0]!, second[1]! - first[1]!) * localizerPixelUm;
  }
  if (!(bscanUm > 0)) invalid('No B-scan spacing: neither frame locations nor a slice thickness');
  const anatomy = frameFunctionalGroup(dataset, 0, FRAME_ANATOMY);
  const side = (anatomy ? getString(anatomy, FRAME_LATERALITY) : undefined) ?? getString(dataset, IMAGE_LATERALITY);
  if (side !== 'R' && side !== 'L') invalid('The instance names no eye (frame or image laterality R or L)');
  return {
    bscans,
    ascans,
    rows,
    ascanSpacingUm: ascanMm! * 1000,
    bscanSpacingUm: bscanUm,
    axialUmPerPixel: axialMm! * 1000,
    laterality: side === 'R' ? 'OD' : 'OS',
  };
}
