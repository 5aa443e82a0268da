import { frameFunctionalGroup, getNumber, type DicomDataset } from '@delineate/formats';
import { DelineateError } from '@delineate/schema';
import { volumeGrid, type SliceGeometry } from './geometry';
import type { ImageGeometry, SeriesVolume } from './image-geometry';

const tags = {
  triggerTime: 0x00181060,
  frameContent: 0x00209111,
  temporalPositionIndex: 0x00209128,
  cardiacSynchronization: 0x00189118,
  nominalTriggerDelay: 0x00209153,
} as const;

/** A cine's 4-D shape on top of the voxel grid its planes are stored in. */
export interface CineShape {
  slices: number;
  phases: number;
  /** Ms after the R wave of each phase (mean over slices); null where the objects do not record it. */
  triggerTimes: (number | null)[];
}

/**
 * A cine as a series volume: `slices` = slices × phases planes stacked phase by phase (plane
 * phase·slices + slice), so that masks, the volume route and the tiled mask path work on it as
 * on any stack; the slice step is from positions (never SliceThickness).
 */
export interface CineVolume {
  volume: SeriesVolume;
  cine: CineShape;
}

interface Plane {
  /** The file (classic) or frame (enhanced) this plane is. */
  source: number;
  geometry: SliceGeometry;
  /** What orders the phases of one slice: trigger time, or the temporal position index. */
  time: number;
  triggerTime: number | undefined;
}

function numberOf(dataset: DicomDataset | undefined, tag: number): number | undefined {
  const value = dataset ? getNumber(dataset, tag) : undefined;
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

function planesOf(images: ReadonlyArray<{ image: ImageGeometry; dataset: DicomDataset }>): Plane[] | undefined {
  if (images.length === 1) {
    const { image, dataset } = images[0]!;
    if (image.frames < 2 || !image.positioned) return undefined;
    const planes: Plane[] = [];
    for (let f = 0; f < image.frames; f++) {
      const index = numberOf(frameFunctionalGroup(dataset, f, tags.frameContent), tags.temporalPositionIndex);
      const trigger = numberOf(frameFunctionalGroup(dataset, f, tags.cardiacSynchronization), tags.nominalTriggerDelay);
      const time = index ?? trigger;
      if (time === undefined) return undefined;
      planes.push({ source: f, geometry: image.positioned[f]!, time, triggerTime: trigger });
    }
    return planes;
  }
  const planes: Plane[] = [];
  for (const [source, { image, dataset }] of images.entries()) {
    const trigger = numberOf(dataset, tags.triggerTime);
    if (image.frames !== 1 || !image.positioned || trigger === undefined) return undefined;
    planes.push({ source, geometry: image.positioned[0]!, time: trigger, triggerTime: trigger });
  }
  return planes;
}

/**
 * The cine of a series, or undefined when the series is not one (no timing, or no position is
 * shared by several planes). Classic MR: one image per slice and phase, timed by Trigger Time.
 * Enhanced MR: one instance whose frames carry a Temporal Position Index (or trigger delay).
 * Planes are grouped by their position along the slice normal, and the phases of each slice
 * ordered by time; every slice must have the same number of phases.
 */
export function cineVolume(images: ReadonlyArray<{ image: ImageGeometry; dataset: DicomDataset }>): CineVolume | undefined {
  const planes = planesOf(images);
  if (!planes || planes.length < 2) return undefined;
  const first = planes[0]!.geometry;
  const rowDir = first.orientation.slice(0, 3);
  const colDir = first.orientation.slice(3, 6);
  const normal = [rowDir[1]! * colDir[2]! - rowDir[2]! * colDir[1]!, rowDir[2]! * colDir[0]! - rowDir[0]! * colDir[2]!, rowDir[0]! * colDir[1]! - rowDir[1]! * colDir[0]!];
  const along = (p: Plane) => p.geometry.position[0] * normal[0]! + p.geometry.position[1] * normal[1]! + p.geometry.position[2] * normal[2]!;
  // Planes within 0.01 mm along the normal are one slice.
  const sorted = [...planes].sort((a, b) => along(a) - along(b) || a.time - b.time);
  const slices: Plane[][] = [];
  for (const plane of sorted) {
    const last = slices[slices.length - 1];
    if (last && Math.abs(along(last[0]!) - along(plane)) <= 0.01) last.push(plane);
    else slices.push([plane]);
  }
  if (slices.length === planes.length) return undefined;
  const phases = slices[0]!.length;
  if (slices.some((s) => s.length !== phases)) throw new DelineateError('DLN_DICOM_INVALID', 'The slices of the cine have different numbers of phases');
  for (const slice of slices) {
    for (let p = 1; p < phases; p++) if (slice[p]!.time === slice[p - 1]!.time) throw new DelineateError('DLN_DICOM_INVALID', 'Two images of one cine slice share a time');
  }
  // The grid of one phase checks size, orientation, spacing and even steps; the step comes from positions.
  const grid = volumeGrid(slices.map((s) => s[0]!.geometry));
  const order: number[] = [];
  for (let p = 0; p < phases; p++) for (const k of grid.order) order.push(slices[k]!.map((plane) => plane.source)[p]!);
  const triggerTimes = Array.from({ length: phases }, (_, p) => {
    const times = slices.map((s) => s[p]!.triggerTime);
    return times.every((t) => t !== undefined) ? times.reduce<number>((a, t) => a + t!, 0) / times.length : null;
  });
  const multiFrame = images.length === 1;
  return {
    volume: { ...grid, slices: slices.length * phases, order: multiFrame ? [0] : order, frameOrder: multiFrame ? order : undefined },
    cine: { slices: slices.length, phases, triggerTimes },
  };
}
