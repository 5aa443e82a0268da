export type Laterality = 'OD' | 'OS';
export type IsntSector = 'inferior' | 'superior' | 'nasal' | 'temporal';
export const isntSectors: readonly IsntSector[] = ['inferior', 'superior', 'nasal', 'temporal'];

/** Rim width in one sector: over rays from the disc centre, one per degree. */
export interface SectorRim {
  readonly sector: IsntSector;
  /** Mean and least rim width along the sector's rays, pixels. */
  readonly meanPx: number;
  readonly minimumPx: number;
}

const STEP = 0.25;

/**
 * Neuroretinal rim width (disc pixels that are not cup) along rays from the disc's centroid, one
 * ray per degree, grouped into the ISNT sectors: superior is up in the image, inferior down,
 * and nasal toward the nose, which is the image's right for a right eye (OD) and its left for a
 * left eye (OS), as a fundus photograph is seen from the front. Without the eye's laterality
 * nasal and temporal cannot be told apart and only superior and inferior are given.
 */
export function rimWidthsByIsntSector(disc: Uint8Array, cup: Uint8Array, width: number, height: number, laterality: Laterality | null): SectorRim[] {
  let cx = 0;
  let cy = 0;
  let n = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!disc[x + width * y]) continue;
      cx += x;
      cy += y;
      n += 1;
    }
  }
  if (n === 0) return [];
  cx /= n;
  cy /= n;
  const reach = Math.hypot(width, height);
  const widths = new Map<IsntSector, number[]>();
  for (let degree = 0; degree < 360; degree++) {
    // 0° points right in the image, angles turn toward the top (up is −y).
    const angle = (degree * Math.PI) / 180;
    const dx = Math.cos(angle);
    const dy = -Math.sin(angle);
    const sector = sectorOf(degree, laterality);
    if (!sector) continue;
    let rim = 0;
    for (let t = 0; t < reach; t += STEP) {
      const x = Math.round(cx + dx * t);
      const y = Math.round(cy + dy * t);
      if (x < 0 || y < 0 || x >= width || y >= height) break;
      const i = x + width * y;
      if (disc[i] && !cup[i]) rim += STEP;
    }
    const list = widths.get(sector) ?? [];
    list.push(rim);
    widths.set(sector, list);
  }
  return isntSectors.flatMap((sector) => {
    const list = widths.get(sector);
    if (!list || list.length === 0) return [];
    return [{ sector, meanPx: list.reduce((s, v) => s + v, 0) / list.length, minimumPx: Math.min(...list) }];
  });
}

/** The sector of a ray (degrees, 0 = image right, counter-clockwise); ±45° around each axis, boundaries to the vertical sectors. */
function sectorOf(degree: number, laterality: Laterality | null): IsntSector | undefined {
  if (degree >= 45 && degree <= 135) return 'superior';
  if (degree >= 225 && degree <= 315) return 'inferior';
  if (!laterality) return undefined;
  const right = degree < 45 || degree > 315;
  return right === (laterality === 'OD') ? 'nasal' : 'temporal';
}
