import { describe, expect, it } from 'vitest';
import { AScanState, boundaryIndex, emptyBoundarySet, heightAt } from '@delineate/core';
import { boundaryRow, dragKnot, knotsOf, markAbsent, propagateBoundary, rangesInState, snapBoundary, splineThroughKnots, strokeHeights, writeHeights } from './boundary-edit';

/** A B-scan `ascans` wide and `rows` high: dark above `edge(a)`, bright from it down (a dark-to-bright edge like the ILM). */
function bscan(ascans: number, rows: number, edge: (a: number) => number): Uint8Array {
  const pixels = new Uint8Array(ascans * rows);
  for (let r = 0; r < rows; r++) for (let a = 0; a < ascans; a++) pixels[r * ascans + a] = r >= edge(a) ? 200 : 20;
  return pixels;
}

const ILM = boundaryIndex('ILM');
const EZ = boundaryIndex('EZ');

describe('OCT boundary edits', () => {
  it('a spline passes through every knot and bends smoothly between them', () => {
    const { first, heights } = splineThroughKnots([
      { ascan: 0, row: 10 },
      { ascan: 10, row: 20 },
      { ascan: 20, row: 10 },
    ]);
    expect(first).toBe(0);
    expect(heights).toHaveLength(21);
    expect([heights[0], heights[10], heights[20]]).toEqual([10, 20, 10]);
    // Symmetric about the middle knot, and rising monotonically towards it.
    for (let a = 0; a < 10; a++) {
      expect(heights[a]!).toBeCloseTo(heights[20 - a]!, 5);
      expect(heights[a + 1]!).toBeGreaterThan(heights[a]!);
    }
  });

  it('knots every N A-scans where the boundary has a value, and its last valued A-scan', () => {
    const heights = new Float32Array(50).fill(Number.NaN);
    for (let a = 5; a <= 44; a++) heights[a] = 30 + a / 10;
    expect(knotsOf(heights, 16).map((k) => k.ascan)).toEqual([16, 32, 44]);
  });

  it('dragging a knot rewrites the boundary only between its neighbouring knots', () => {
    const set = emptyBoundarySet(2, 65);
    writeHeights(set, ILM, 0, 0, new Float32Array(65).fill(40), 100);
    const knots = knotsOf(boundaryRow(set, ILM, 0).heights, 16);
    const moved = dragKnot(set, ILM, 0, knots, 2, 50, 100);
    expect(moved[2]).toEqual({ ascan: 32, row: 50 });
    expect(heightAt(set, ILM, 0, 32)).toBe(50);
    expect(heightAt(set, ILM, 0, 24)!).toBeGreaterThan(40);
    expect(heightAt(set, ILM, 0, 16)).toBe(40);
    expect(heightAt(set, ILM, 0, 10)).toBe(40);
    expect(heightAt(set, ILM, 0, 60)).toBe(40);
  });

  it('a stroke sets the A-scans it crosses by linear interpolation, its last pass winning', () => {
    const { first, heights } = strokeHeights(
      [
        { ascan: 10, row: 5 },
        { ascan: 14, row: 9 },
        { ascan: 12, row: 20 },
      ],
      100,
    );
    expect(first).toBe(10);
    expect([...heights]).toEqual([5, 6, 20, 14.5, 9]);
  });

  it('marks a range absent and lists it as one span', () => {
    const set = emptyBoundarySet(3, 40);
    writeHeights(set, EZ, 1, 0, new Float32Array(40).fill(70), 100);
    markAbsent(set, EZ, 1, 25, 12);
    const { states, heights } = boundaryRow(set, EZ, 1);
    expect(rangesInState(states, AScanState.absent)).toEqual([[12, 25]]);
    expect(Number.isNaN(heights[20]!)).toBe(true);
    expect(heightAt(set, EZ, 1, 11)).toBe(70);
  });

  it('snapping between two clicks follows the edge, whichever click comes first', () => {
    const ascans = 60;
    const rows = 80;
    const edge = (a: number) => 30 + Math.round(a / 6);
    const pixels = bscan(ascans, rows, edge);
    for (const [from, to] of [
      [{ ascan: 2, row: 30 }, { ascan: 57, row: 40 }],
      [{ ascan: 57, row: 40 }, { ascan: 2, row: 30 }],
    ]) {
      const set = emptyBoundarySet(1, ascans);
      snapBoundary(set, ILM, 0, pixels, rows, from!, to!);
      // The strongest dark-to-bright step is between rows edge − 1 and edge: the path runs on row edge − 1's centre or the edge's.
      for (let a = 5; a <= 54; a++) expect(Math.abs(heightAt(set, ILM, 0, a)! - edge(a))).toBeLessThanOrEqual(1);
      expect(heightAt(set, ILM, 0, 1)).toBeUndefined();
      expect(heightAt(set, ILM, 0, 58)).toBeUndefined();
    }
  });

  it('propagation moves each A-scan to the next B-scan’s own edge; a copy keeps the heights; absent stays absent', () => {
    const ascans = 30;
    const rows = 60;
    const set = emptyBoundarySet(2, ascans);
    writeHeights(set, ILM, 0, 0, new Float32Array(ascans).fill(20.5), rows);
    markAbsent(set, ILM, 0, 3, 4);
    const next = bscan(ascans, rows, () => 22);
    propagateBoundary(set, ILM, 0, 1, next, rows, true);
    expect(heightAt(set, ILM, 1, 10)!).toBeCloseTo(21.5, 5);
    expect(boundaryRow(set, ILM, 1).states[3]).toBe(AScanState.absent);
    const copy = emptyBoundarySet(2, ascans);
    writeHeights(copy, ILM, 0, 0, new Float32Array(ascans).fill(20.5), rows);
    propagateBoundary(copy, ILM, 0, 1, next, rows, false);
    expect(heightAt(copy, ILM, 1, 10)).toBe(20.5);
  });

  it('clamps written heights to the B-scan', () => {
    const set = emptyBoundarySet(1, 4);
    writeHeights(set, ILM, 0, 0, [-3, 10, 500, Number.NaN], 100);
    expect([heightAt(set, ILM, 0, 0), heightAt(set, ILM, 0, 1), heightAt(set, ILM, 0, 2), heightAt(set, ILM, 0, 3)]).toEqual([0, 10, 100, undefined]);
  });

  it('a snap keeps to the rows between the boundaries around it, not the stronger edge above', () => {
    const ascans = 300;
    const rows = 60;
    // Vitreous dark, a strong dark-to-bright step at row 10 (ILM), a weaker one at row 45 (RPE-like).
    const pixels = new Uint8Array(ascans * rows);
    for (let r = 0; r < rows; r++) for (let a = 0; a < ascans; a++) pixels[r * ascans + a] = r < 10 ? 0 : r < 30 ? 250 : r < 45 ? 120 : 225;
    const RPE = boundaryIndex('RPE');
    const free = emptyBoundarySet(1, ascans);
    snapBoundary(free, RPE, 0, pixels, rows, { ascan: 2, row: 45 }, { ascan: 297, row: 45 });
    // Unconstrained, the path climbs to the strongest edge in the middle …
    expect(heightAt(free, RPE, 0, 150)!).toBeLessThan(15);
    const ordered = emptyBoundarySet(1, ascans);
    writeHeights(ordered, ILM, 0, 0, new Float32Array(ascans).fill(10), rows);
    snapBoundary(ordered, RPE, 0, pixels, rows, { ascan: 2, row: 45 }, { ascan: 297, row: 45 });
    // … with the ILM given above it, it stays on its own edge.
    for (const a of [20, 150, 280]) expect(Math.abs(heightAt(ordered, RPE, 0, a)! - 45)).toBeLessThanOrEqual(1);
  });
});
