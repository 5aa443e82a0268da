/**
 * The tools, each a file of its own over one interface (`tool.ts`), shared by every viewer that
 * edits a label volume. A viewer asks for the set it offers; new tools are added here.
 */
import { createBrush } from './brush';
import { createCrosshair } from './crosshair';
import { createEraser } from './eraser';
import { createFill } from './fill';
import { createInterpolation } from './interpolate';
import { createMark } from './mark';
import { createMeasure } from './measure';
import { createRegionGrowing } from './region-grow';
import { createScissors } from './scissors';
import { createThresholdBrush } from './threshold';
import type { Tool, ToolId } from './tool';

export { createCrosshair } from './crosshair';
export type { Measurement } from './measure';
export { defaultToolOptions, type Tool, type ToolContext, type ToolEffect, type ToolId, type ToolOptions, type ToolPointer, type VoxelBox } from './tool';

/** A fresh instance of every tool (tools keep their drag state, so each workspace has its own). */
export function createToolSet(): Record<ToolId, Tool> {
  return {
    brush: createBrush(),
    eraser: createEraser(),
    threshold: createThresholdBrush(),
    rect: createScissors('rect'),
    circle: createScissors('circle'),
    fill: createFill(),
    region: createRegionGrowing(),
    crosshair: createCrosshair(),
    mark: createMark(),
    interpolate: createInterpolation(),
    ruler: createMeasure('ruler'),
    ellipse: createMeasure('ellipse'),
  };
}

/** The pointer tools on the tool bar, in order (marking and interpolation have their own buttons). */
export const toolBar: readonly ToolId[] = ['brush', 'eraser', 'threshold', 'rect', 'circle', 'fill', 'region', 'crosshair', 'ruler', 'ellipse'];
