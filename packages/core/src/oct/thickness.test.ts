import { describe, expect, it } from 'vitest';
import { boundaryIndex, emptyBoundarySet, setAbsent, setHeight } from './boundaries';
import { octMeasures } from './measures';
import { etdrsGrid, etdrsSectorOf, labelVolumesMm3, type OctGeometry, thicknessMap, thinnestCentralPoint } from './thickness';

const geometry: OctGeometry = { bscans: 3, ascans: 5, rows: 100, ascanSpacingUm: 400, bscanSpacingUm: 800, axialUmPerPixel: 4, laterality: 'OD' };

describe('OCT thickness and the ETDRS grid', () => {
  it('assigns sectors by ring and quadrant, nasal towards the disc of each eye', () => {
    expect(etdrsSectorOf(0, 0, 'OD')).toBe('central');
    expect(etdrsSectorOf(1000, 0, 'OD')).toBe('inner_nasal');
    expect(etdrsSectorOf(1000, 0, 'OS')).toBe('inner_temporal');
    expect(etdrsSectorOf(0, -2000, 'OD')).toBe('outer_superior');
    expect(etdrsSectorOf(0, 2000, 'OS')).toBe('outer_inferior');
    expect(etdrsSectorOf(1000, 1000, 'OD')).toBe('inner_inferior');
    expect(etdrsSectorOf(3001, 0, 'OD')).toBeUndefined();
  });

  it('maps thickness in µm with holes where a boundary has no value, and finds the thinnest central point', () => {
    const set = emptyBoundarySet(3, 5);
    for (let s = 0; s < 3; s++) {
      for (let a = 0; a < 5; a++) {
        setHeight(set, boundaryIndex('ILM'), s, a, 10);
        setHeight(set, boundaryIndex('BM'), s, a, 80 - (a === 2 && s === 1 ? 30 : 0) + a);
      }
    }
    setAbsent(set, boundaryIndex('BM'), 0, 0);
    const map = thicknessMap(set, geometry, 'ILM', 'BM');
    expect(map[0]).toBeNaN();
    expect(map[1]).toBe(71 * 4);
    expect(map[1 * 5 + 2]).toBe(42 * 4);
    expect(thinnestCentralPoint(map, geometry)).toEqual({ bscan: 1, ascan: 2 });
    const grid = etdrsGrid(map, geometry, { bscan: 1, ascan: 2 });
    // Within 500 µm: A-scans 1, 2 and 3 of B-scan 1 (400, 0, 400 µm away): 284, 168 and 292 µm.
    expect(grid.sectors.central.ascans).toBe(3);
    expect(grid.centralSubfieldUm).toBe(248);
    // B-scans 0 and 2 lie 800 µm above and below: all five A-scans of each are superior or
    // inferior (|dy| ≥ |dx|, the 45° corners included); A-scan 0 of B-scan 0 has no value.
    expect(grid.sectors.inner_superior.ascans).toBe(4);
    expect(grid.sectors.inner_inferior.ascans).toBe(5);
    // B-scan 1 A-scans 0 and 4 (800 µm left and right): temporal and nasal of a right eye.
    expect(grid.sectors.inner_nasal).toEqual({ meanUm: 74 * 4, ascans: 1 });
    expect(grid.sectors.inner_temporal).toEqual({ meanUm: 70 * 4, ascans: 1 });
  });

  it('gives per-slab measures and the fovea they are centred on', () => {
    const set = emptyBoundarySet(3, 5);
    for (let s = 0; s < 3; s++) for (let a = 0; a < 5; a++) {
      setHeight(set, boundaryIndex('ILM'), s, a, 10);
      setHeight(set, boundaryIndex('RNFL_GCL'), s, a, 15);
      setHeight(set, boundaryIndex('BM'), s, a, 60);
    }
    const measures = octMeasures(set, geometry);
    expect(measures.foveaFrom).toBe('thinnest_central_point');
    expect(measures.retina.meanUm).toBe(200);
    expect(measures.slabs[0]).toMatchObject({ top: 'ILM', bottom: 'RNFL_GCL', meanUm: 20, valuedAScans: 15 });
    expect(measures.slabs[1]!.valuedAScans).toBe(0);
    expect(measures.slabs[1]!.meanUm).toBeNaN();
  });

  it('gives label volumes in mm³', () => {
    const volumes = labelVolumesMm3(Uint8Array.from([0, 1, 1, 2]), geometry);
    expect(volumes.get(1)).toBeCloseTo((2 * 400 * 4 * 800) / 1e9, 15);
    expect(volumes.get(2)).toBeCloseTo((400 * 4 * 800) / 1e9, 15);
  });
});
