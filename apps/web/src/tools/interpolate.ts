import { interpolateSlices } from '../viewer/interpolate';
import { none, type Tool, type ToolEffect } from './tool';

/**
 * Slice interpolation, a command rather than a pointer tool: its key (I, or the tool bar's button)
 * fills the selected label on the axial slices between the slices it was drawn on, shape-based,
 * as one undoable stroke.
 */
export function createInterpolation(): Tool {
  return {
    id: 'interpolate',
    name: 'Interpolate slices',
    shortcut: 'I',
    paints: 'label',
    uses: [],
    showsBrush: false,
    state: 'idle',
    down: () => none,
    move: () => none,
    up: () => none,
    key(ctx, key): ToolEffect {
      if (key.toLowerCase() !== 'i') return none;
      ctx.map.begin('interpolate');
      const slices = interpolateSlices(ctx.map, 'axial', ctx.label);
      const stroke = ctx.map.end();
      const text = slices.length ? `Interpolated ${slices.length} slices` : 'Draw the label on at least two slices with a gap between them first';
      return stroke ? { kind: 'edited', stroke, notice: text } : { kind: 'notice', text };
    },
    cancel: () => none,
  };
}
