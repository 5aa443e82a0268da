import { createBrush } from './brush';
import type { Tool } from './tool';

/** The brush writing background (label 0), circle or sphere, in mm. */
export function createEraser(): Tool {
  return createBrush('eraser');
}
