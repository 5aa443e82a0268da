import { createHash } from 'node:crypto';
import { boundaryIndex, etdrsGrid, heightAt, octBoundaries, thicknessMap, thinnestCentralPoint } from '@delineate/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDicomFile } from '../dicom/read';
import { octGeometryOfOpt } from '../oct/opt-geometry';
import { generateOctPhantom, type OctPhantom } from './oct-opt';
import { octRetinaEzLoss, octRetinaFoveaUm, octRetinaGeometry, octRetinaThicknessUm } from './oct-retina';

describe('synthetic OCT (Ophthalmic Tomography) phantom', () => {
  let phantom: OctPhantom;
  beforeAll(() => {
    phantom = generateOctPhantom();
  }, 60_000);

  it('is deterministic: the same seed gives the same bytes, another seed other UIDs', () => {
    const again = generateOctPhantom();
    const hash = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
    expect(hash(again.opt)).toBe(hash(phantom.opt));
    expect(hash(again.localizer)).toBe(hash(phantom.localizer));
    expect(generateOctPhantom({ seed: 2 }).uids.instance).not.toBe(phantom.uids.instance);
  }, 60_000);

  it('stores 49 B-scans of 496 × 512 whose geometry reads back from the functional groups', () => {
    const { dataset } = readDicomFile(phantom.opt);
    const geometry = octGeometryOfOpt(dataset, phantom.localizerPixelUm);
    expect(geometry.bscans).toBe(49);
    expect(geometry.rows).toBe(496);
    expect(geometry.ascans).toBe(512);
    expect(geometry.laterality).toBe('OD');
    expect(geometry.ascanSpacingUm).toBeCloseTo(octRetinaGeometry.ascanSpacingUm, 6);
    expect(geometry.axialUmPerPixel).toBeCloseTo(octRetinaGeometry.axialUmPerPixel, 6);
    // From the frame lines on the localizer, not the slice thickness: both say 120 µm.
    expect(geometry.bscanSpacingUm).toBeCloseTo(octRetinaGeometry.bscanSpacingUm, 3);
    expect(octGeometryOfOpt(dataset).bscanSpacingUm).toBeCloseTo(120, 6);
    // The lines decide when a localizer is given: at twice the localizer pixel the spacing doubles
    // (Reference Coordinates are FL; read as text they were lost and the slice thickness answered).
    expect(octGeometryOfOpt(dataset, phantom.localizerPixelUm * 2).bscanSpacingUm).toBeCloseTo(2 * octRetinaGeometry.bscanSpacingUm, 3);
  });

  it('draws each boundary as an edge in the B-scan at its known height', () => {
    const { rows, ascans } = octRetinaGeometry;
    const s = 24;
    const a = 100;
    const column = (r: number) => phantom.opt[phantom.opt.length - 49 * rows * ascans + (s * rows + r) * ascans + a]!;
    const ilm = heightAt(phantom.boundaries, boundaryIndex('ILM'), s, a)!;
    const rpe = heightAt(phantom.boundaries, boundaryIndex('RPE'), s, a)!;
    const mean = (from: number, to: number) => {
      let sum = 0;
      for (let r = from; r < to; r++) sum += column(r);
      return sum / (to - from);
    };
    expect(mean(Math.floor(ilm) - 20, Math.floor(ilm) - 2)).toBeLessThan(30);
    expect(mean(Math.ceil(ilm) + 1, Math.ceil(ilm) + 4)).toBeGreaterThan(170);
    expect(mean(Math.ceil(rpe) + 1, Math.ceil(rpe) + 3)).toBeGreaterThan(200);
  });

  it('has a foveal pit, all eleven boundaries and an absent EZ only inside the loss patch', () => {
    const { bscans, ascans } = octRetinaGeometry;
    const ez = boundaryIndex('EZ');
    let absent = 0;
    for (let s = 0; s < bscans; s++) {
      for (let a = 0; a < ascans; a++) {
        const inPatch = Math.hypot(a * 11.5 - octRetinaEzLoss.x, s * 120 - octRetinaEzLoss.y) <= octRetinaEzLoss.radiusUm;
        expect(heightAt(phantom.boundaries, ez, s, a) === undefined).toBe(inPatch);
        if (inPatch) absent += 1;
      }
    }
    expect(absent).toBeGreaterThan(200);
    for (let b = 0; b < octBoundaries.length; b++) if (b !== ez) expect(heightAt(phantom.boundaries, b, 0, 0)).toBeDefined();
  });

  it('gives thicknesses equal to the generator\'s to 1 µm, and the ETDRS grid on its fovea (known answer)', () => {
    const geometry = octRetinaGeometry;
    const retina = thicknessMap(phantom.boundaries, geometry, 'ILM', 'BM');
    let worst = 0;
    for (let s = 0; s < geometry.bscans; s++) {
      for (let a = 0; a < geometry.ascans; a++) {
        const r = Math.hypot(a * geometry.ascanSpacingUm - octRetinaFoveaUm.x, s * geometry.bscanSpacingUm - octRetinaFoveaUm.y);
        worst = Math.max(worst, Math.abs(retina[s * geometry.ascans + a]! - octRetinaThicknessUm(r)));
      }
    }
    expect(worst).toBeLessThan(1);
    const fovea = thinnestCentralPoint(retina, geometry)!;
    expect(fovea).toEqual({ bscan: 24, ascan: 255 });
    const grid = etdrsGrid(retina, geometry, fovea);
    // The central subfield over the A-scans inside 0.5 mm, each thickness from the closed form.
    let sum = 0;
    let n = 0;
    for (let s = 0; s < geometry.bscans; s++) {
      for (let a = 0; a < geometry.ascans; a++) {
        const r = Math.hypot((a - 255) * geometry.ascanSpacingUm, (s - 24) * geometry.bscanSpacingUm);
        if (r < 500) {
          sum += octRetinaThicknessUm(Math.hypot(a * geometry.ascanSpacingUm - octRetinaFoveaUm.x, s * geometry.bscanSpacingUm - octRetinaFoveaUm.y));
          n += 1;
        }
      }
    }
    expect(grid.sectors.central.ascans).toBe(n);
    expect(Math.abs(grid.centralSubfieldUm - sum / n)).toBeLessThan(1);
    // The pit: centre thinner than every inner sector.
    expect(grid.centralSubfieldUm).toBeLessThan(grid.sectors.inner_nasal.meanUm);
    expect(grid.sectors.inner_superior.meanUm).toBeCloseTo(grid.sectors.inner_inferior.meanUm, 0);
  });
});
