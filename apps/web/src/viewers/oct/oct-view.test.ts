import { describe, expect, it } from 'vitest';
import { bscanView, toScreen, toStored } from './bscan-view';
import { bscanAt, enFaceProjection, localizerLayout, projectionLayout } from './en-face';
import { boundaryOfKey, octClaimedKeys, orderRefusalWords } from './oct-words';

describe('OCT B-scan view', () => {
  it('stretches rows and maps a screen point back to the stored row', () => {
    const view = bscanView(100, 200, 3, null);
    expect([view.xScale, view.yScale]).toEqual([2, 6]);
    expect(toScreen(view, 10, 20)).toEqual([21, 120]);
    expect(toStored(view, 21, 120)).toEqual({ ascan: 10, row: 20 });
  });

  it('flattened, Bruch’s membrane lies on one row and edits still land on stored rows', () => {
    const bm = [40, 42, Number.NaN, 46];
    const view = bscanView(4, 4, 1, bm);
    const bmRows = [0, 1, 3].map((a) => toScreen(view, a, bm[a]!)[1]);
    expect(new Set(bmRows.map((y) => y.toFixed(4))).size).toBe(1);
    expect(toStored(view, 1.5, toScreen(view, 1, 30)[1]).row).toBeCloseTo(30, 5);
  });
});

describe('OCT en-face view', () => {
  it('projects each A-scan’s mean and picks the B-scan line nearest a click', () => {
    const bscans = 3;
    const rows = 2;
    const ascans = 2;
    const volume = [0, 0, 0, 0, 10, 10, 10, 10, 20, 20, 20, 30];
    expect([...enFaceProjection(volume, bscans, rows, ascans)]).toEqual([0, 0, 102, 102, 204, 255]);
    const layout = projectionLayout({ bscans: 49, ascans: 512, ascanSpacingUm: 11.5, bscanSpacingUm: 120 }, 200);
    expect(layout.height).toBe(Math.round((49 * 120) / ((512 * 11.5) / 200)));
    expect(bscanAt(layout, 100, layout.lines[17]!.y0 + 1, 4)).toBe(17);
    expect(bscanAt(layout, 100, layout.height + 50, 4)).toBeNull();
  });

  it('draws the localizer’s recorded B-scan lines scaled to the canvas and picks the nearest one', () => {
    const layout = localizerLayout({ width: 128, height: 128, lines: [{ start: [10, 0], end: [10, 127] }, { start: [0, 20], end: [127, 120] }] }, 256);
    expect(layout.height).toBe(256);
    expect(layout.lines[0]).toEqual({ x0: 1, y0: 21, x1: 255, y1: 21 });
    expect(bscanAt(layout, 128, 24, 6)).toBe(0);
    // On the oblique second line, halfway along it.
    expect(bscanAt(layout, (41 + 241) / 2, (1 + 255) / 2, 6)).toBe(1);
    expect(bscanAt(layout, 250, 200, 6)).toBeNull();
  });
});

describe('OCT words', () => {
  it('says the order refusal with both boundaries’ names and the B-scan counted from 1', () => {
    const words = orderRefusalWords({ code: 'DLN_OCT_BOUNDARY_ORDER', message: 'x', upper: 'GCL_IPL', lower: 'IPL_INL', bscan: 4, ascan: 99 });
    expect(words).toBe(
      'Not saved: GCL / IPL (Ganglion cell layer / inner plexiform layer boundary) lies below IPL / INL (Inner plexiform layer / inner nuclear layer boundary) on B-scan 5 at A-scan 100. Move one of them so the boundaries keep their order.',
    );
    expect(orderRefusalWords({ code: 'DLN_OCT_BOUNDARY_ORDER', upper: 'nonsense' })).toBeNull();
  });

  it('maps number keys to the eleven boundaries and claims every key it binds', () => {
    expect(['1', '9', '0', '-', 'x'].map(boundaryOfKey)).toEqual([0, 8, 9, 10, null]);
    for (const key of ['1', '0', '-', 's', 'a', 'k', 'd', 'arrowup']) expect(octClaimedKeys).toContain(key);
  });
});
