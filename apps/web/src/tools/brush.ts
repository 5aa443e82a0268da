import { brush, brushLine, type BrushOptions } from '../viewer/labelmap';
import { finish, none, type Tool, type ToolContext, type ToolEffect, type ToolPointer } from './tool';

type BrushState = { name: 'idle' } | { name: 'painting'; orientation: ToolPointer['orientation']; last: [number, number] };

/**
 * Brush, eraser and threshold brush: idle → painting on down (a circle, or a sphere reaching the
 * neighbouring slices), painting along the drag so a fast move leaves no gap, one stroke on up.
 */
export function createBrush(variant: 'brush' | 'eraser' | 'threshold' = 'brush'): Tool {
  let state: BrushState = { name: 'idle' };
  const options = (ctx: ToolContext): BrushOptions => ({
    radius: ctx.options.radiusMm,
    sphere: ctx.options.sphere,
    value: variant === 'eraser' ? 0 : ctx.label,
    ...(variant === 'threshold' && ctx.image ? { threshold: { ...ctx.options.threshold, hu: ctx.image } } : {}),
  });
  const names = { brush: ['Brush', 'B'], eraser: ['Eraser', 'E'], threshold: ['Threshold brush', 'T'] } as const;
  return {
    id: variant,
    name: names[variant][0],
    shortcut: names[variant][1],
    paints: variant === 'eraser' ? 'background' : 'label',
    uses: variant === 'threshold' ? ['radiusMm', 'sphere', 'threshold'] : ['radiusMm', 'sphere'],
    showsBrush: true,
    get state() {
      return state.name;
    },
    down(ctx, p): ToolEffect {
      // A threshold brush without the image would paint everything: wait for the image.
      if (variant === 'threshold' && !ctx.image) return none;
      ctx.map.begin(variant);
      brush(ctx.map, p.orientation, p.u, p.v, p.s, options(ctx));
      state = { name: 'painting', orientation: p.orientation, last: [p.u, p.v] };
      return { kind: 'painting' };
    },
    move(ctx, p): ToolEffect {
      if (state.name !== 'painting' || state.orientation !== p.orientation) return none;
      brushLine(ctx.map, p.orientation, state.last, [p.u, p.v], p.s, options(ctx));
      state.last = [p.u, p.v];
      return { kind: 'painting' };
    },
    up(ctx): ToolEffect {
      if (state.name !== 'painting') return none;
      state = { name: 'idle' };
      return finish(ctx.map);
    },
    key: () => none,
    cancel(ctx): ToolEffect {
      if (state.name === 'painting') ctx.map.abort();
      state = { name: 'idle' };
      return { kind: 'painting' };
    },
  };
}
