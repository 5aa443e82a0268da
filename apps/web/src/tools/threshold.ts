import { createBrush } from './brush';
import type { Tool } from './tool';

/** The brush painting only voxels whose image value lies in the threshold window (HU for CT). */
export function createThresholdBrush(): Tool {
  return createBrush('threshold');
}
