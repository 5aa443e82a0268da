import { hashSeed, type OctGeometry, octBoundaries, seededRandom } from '@delineate/core';
import type { BoundarySet } from '@delineate/core';
import { writeOctInstances } from '../oct/opt-write';
import { octRetinaBoundaries, octRetinaGeometry, octRetinaHasEzLoss } from './oct-retina';
import { gaussianTable } from './random';

export interface OctPhantom {
  /** The OPT instance (49 B-scans of 496 × 512, 8-bit). */
  opt: Uint8Array;
  /** The near-infrared en-face localizer its frames are located on. */
  localizer: Uint8Array;
  geometry: OctGeometry;
  /** The boundary heights the B-scans were drawn from. */
  boundaries: BoundarySet;
  uids: { study: string; series: string; instance: string; localizerSeries: string; localizer: string };
  /** µm per localizer pixel (the localizer covers the scan field, square pixels). */
  localizerPixelUm: number;
}

/** Reflectivity of the vitreous, the ten slabs (ILM→RNFL/GCL first) and the choroid. */
const SLAB_REFLECTIVITY = [8, 205, 95, 160, 70, 150, 45, 75, 200, 120, 225, 115] as const;
const EZ_SLAB = octBoundaries.indexOf('EZ') + 1;

/** The B-scan pixels: each row takes the reflectivity of the slab its centre lies in, plus noise. */
function renderBScans(set: BoundarySet, geometry: OctGeometry, seed: number): Uint8Array {
  const { bscans, ascans, rows } = geometry;
  const pixels = new Uint8Array(bscans * rows * ascans);
  const noise = gaussianTable(seededRandom(hashSeed(`oct-noise-table/${seed}`)), 6);
  const random = seededRandom(hashSeed(`oct-noise/${seed}`));
  const plane = bscans * ascans;
  const edges = new Float64Array(octBoundaries.length);
  for (let s = 0; s < bscans; s++) {
    for (let a = 0; a < ascans; a++) {
      const ezLost = octRetinaHasEzLoss(a * geometry.ascanSpacingUm, s * geometry.bscanSpacingUm);
      for (let b = 0; b < edges.length; b++) {
        const at = b * plane + s * ascans + a;
        // An absent EZ still has an anatomical position (halfway between ELM and IZ) for drawing.
        edges[b] = Number.isNaN(set.heights[at]!) ? (set.heights[at - plane]! + set.heights[at + plane]!) / 2 : set.heights[at]!;
      }
      let slab = 0;
      for (let r = 0; r < rows; r++) {
        while (slab < edges.length && edges[slab]! <= r + 0.5) slab++;
        let value: number = SLAB_REFLECTIVITY[slab]!;
        if (ezLost && slab === EZ_SLAB) value = SLAB_REFLECTIVITY[EZ_SLAB - 1]!;
        if (slab === edges.length) value = Math.max(20, value - (r - edges[slab - 1]!) * 1.2);
        const sample = noise[random.nextUint32() & 0xffff]!;
        pixels[(s * rows + r) * ascans + a] = Math.min(255, Math.max(0, Math.round(value + sample)));
      }
    }
  }
  return pixels;
}

/**
 * A synthetic macular OCT volume as one DICOM Ophthalmic Tomography Image and its localizer,
 * drawn from the known boundary heights of `octRetinaBoundaries`. Deterministic: the same seed
 * gives the same bytes.
 */
export function generateOctPhantom(options: { seed?: number } = {}): OctPhantom {
  const seed = options.seed ?? 1;
  const geometry = octRetinaGeometry;
  const boundaries = octRetinaBoundaries(geometry);
  const size = 128;
  const pixelUm = ((geometry.ascans - 1) * geometry.ascanSpacingUm) / (size - 1);
  // A reflectance pattern of oblique stripes: enough texture to see the B-scan lines over.
  const localizerPixels = new Uint8Array(size * size);
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) localizerPixels[r * size + c] = 90 + Math.round(40 * Math.abs(Math.sin((r + 2 * c) / 9)));
  const lastColumn = ((geometry.ascans - 1) * geometry.ascanSpacingUm) / pixelUm;
  const written = writeOctInstances({
    geometry,
    bscans: renderBScans(boundaries, geometry, seed),
    localizer: { width: size, height: size, pixelUm, pixels: localizerPixels },
    frameLines: Array.from({ length: geometry.bscans }, (_, s) => {
      const row = (s * geometry.bscanSpacingUm) / pixelUm;
      return { start: [row, 0] as const, end: [row, lastColumn] as const };
    }),
    identity: {
      patientName: 'Phantom^Retina',
      patientId: `PHANTOM-OCT-${String(seed).padStart(4, '0')}`,
      birthDate: '',
      sex: 'O',
      studyDate: '20000101',
      manufacturer: 'Delineate (synthetic phantom)',
      model: 'oct-retina-phantom',
    },
    uidName: `delineate/oct-phantom/${seed}`,
  });
  return { opt: written.opt, localizer: written.localizer, geometry, boundaries, uids: written.uids, localizerPixelUm: pixelUm };
}
