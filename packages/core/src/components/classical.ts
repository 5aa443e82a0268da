import { componentMask, largestComponent, windowComponents, type Intensities, type VolumeDims } from './components';

/**
 * Classical CT pre-annotators that need no weights. Each returns a binary mask (1 inside) on the
 * volume's grid; thresholds are Hounsfield units.
 */

/** The HU windows the classical pre-annotators use. */
export const CT_WINDOWS = {
  body: { low: -300, high: Infinity },
  lung: { low: -1000, high: -400 },
  bone: { low: 150, high: Infinity },
} as const;

/** The patient's body: voxels above −300 HU, the largest 3-D component (drops the table and noise). */
export function ctBody(hu: Intensities, dims: VolumeDims): Uint8Array {
  // The window is inclusive; "> −300" is ≥ −299 on integer HU.
  const components = windowComponents(hu, dims, { low: CT_WINDOWS.body.low + 1, high: CT_WINDOWS.body.high });
  const largest = largestComponent(components);
  return componentMask(components, (c) => c === largest);
}

/**
 * Lungs: −1000…−400 HU, without the components touching the in-plane edge (the air around the
 * patient). The slice ends do not count as edge: lungs often run past the first and last slices.
 */
export function ctLung(hu: Intensities, dims: VolumeDims): Uint8Array {
  const components = windowComponents(hu, dims, CT_WINDOWS.lung);
  return componentMask(components, (c) => components.touchesInPlaneEdge[c] === 0);
}

/** Bone: voxels above 150 HU. */
export function ctBone(hu: Intensities, dims: VolumeDims): Uint8Array {
  const components = windowComponents(hu, dims, { low: CT_WINDOWS.bone.low + 1, high: CT_WINDOWS.bone.high });
  return componentMask(components, () => true);
}

/** Voxels inside the box (inclusive corners) whose value lies in [low, high]. */
export function thresholdInBox(
  hu: Intensities,
  dims: VolumeDims,
  box: { readonly min: VolumeDims; readonly max: VolumeDims },
  window: { readonly low: number; readonly high: number },
): Uint8Array {
  const components = windowComponents(hu, dims, window, box);
  return componentMask(components, () => true);
}
