import { frameFunctionalGroup, getNumber, getString, type DicomDataset } from '@delineate/formats';
import { DelineateError } from '@delineate/schema';
import { volumeGrid, type SliceGeometry, type VolumeGrid } from './geometry';

const tags = {
  rows: 0x00280010,
  columns: 0x00280011,
  numberOfFrames: 0x00280008,
  position: 0x00200032,
  orientation: 0x00200037,
  pixelSpacing: 0x00280030,
  imagerPixelSpacing: 0x00181164,
  spacingBetweenSlices: 0x00180088,
  planePosition: 0x00209113,
  planeOrientation: 0x00209116,
  pixelMeasures: 0x00289110,
} as const;

function numbers(dataset: DicomDataset | undefined, tag: number, count: number): number[] | undefined {
  const text = dataset ? getString(dataset, tag) : undefined;
  if (!text) return undefined;
  const values = text.split('\\').map((v) => Number(v.trim()));
  return values.length === count && values.every(Number.isFinite) ? values : undefined;
}

/** What one image file contributes to a volume. */
export interface ImageGeometry {
  rows: number;
  columns: number;
  frames: number;
  /**
   * Each frame's place in patient space when the file gives one for every frame (a single
   * frame with Image Position/Orientation, or an enhanced multi-frame object whose functional
   * groups position every frame); undefined for projection images and unpositioned frames.
   */
  positioned: SliceGeometry[] | undefined;
  /**
   * Where an image without per-frame positions is put: its top-level position and orientation
   * when it has both, else the identity orientation at the origin; nominal spacing.
   */
  nominal: SliceGeometry;
  /** Spacing Between Slices (0018,0088), the step of unpositioned frames when recorded. */
  frameStep: number | undefined;
}

/**
 * Reads an image's grid from its header: Rows, Columns, Number of Frames, and per frame the
 * position, orientation and pixel spacing, from the top level or (enhanced multi-frame IODs)
 * from the Per-frame and Shared Functional Groups (Plane Position, Plane Orientation, Pixel
 * Measures). Projection images (US, DX, photographs) have no position: they get the identity
 * orientation at the origin and their pixel spacing when recorded (PixelSpacing, else
 * ImagerPixelSpacing) or 1 mm nominal.
 */
export function imageGeometry(dataset: DicomDataset): ImageGeometry {
  const rows = getNumber(dataset, tags.rows);
  const columns = getNumber(dataset, tags.columns);
  if (!rows || !columns) throw new DelineateError('DLN_DICOM_INVALID', 'An image lacks Rows or Columns');
  const frames = Math.max(1, Math.trunc(getNumber(dataset, tags.numberOfFrames) ?? 1));
  const topSpacing = numbers(dataset, tags.pixelSpacing, 2) ?? numbers(dataset, tags.imagerPixelSpacing, 2);
  const sliceAt = (frame: number): SliceGeometry | undefined => {
    const position = numbers(frameFunctionalGroup(dataset, frame, tags.planePosition), tags.position, 3) ?? (frames === 1 ? numbers(dataset, tags.position, 3) : undefined);
    const orientation = numbers(frameFunctionalGroup(dataset, frame, tags.planeOrientation), tags.orientation, 6) ?? numbers(dataset, tags.orientation, 6);
    if (!position || !orientation) return undefined;
    const spacing = numbers(frameFunctionalGroup(dataset, frame, tags.pixelMeasures), tags.pixelSpacing, 2) ?? topSpacing ?? [1, 1];
    return {
      rows,
      columns,
      position: position as SliceGeometry['position'],
      orientation: orientation as SliceGeometry['orientation'],
      pixelSpacing: spacing as SliceGeometry['pixelSpacing'],
    };
  };
  const slices: SliceGeometry[] = [];
  for (let frame = 0; frame < frames; frame++) {
    const slice = sliceAt(frame);
    if (!slice) break;
    slices.push(slice);
  }
  const frameStep = getNumber(dataset, tags.spacingBetweenSlices);
  const topPosition = numbers(dataset, tags.position, 3);
  const topOrientation = numbers(dataset, tags.orientation, 6);
  const placed = topPosition && topOrientation;
  return {
    rows,
    columns,
    frames,
    positioned: slices.length === frames ? slices : undefined,
    nominal: {
      rows,
      columns,
      position: (placed ? topPosition : [0, 0, 0]) as SliceGeometry['position'],
      orientation: (placed ? topOrientation : [1, 0, 0, 0, 1, 0]) as SliceGeometry['orientation'],
      pixelSpacing: (topSpacing ?? [1, 1]) as SliceGeometry['pixelSpacing'],
    },
    frameStep: frameStep !== undefined && frameStep > 0 ? frameStep : undefined,
  };
}

/** A series' voxel grid; `frameOrder` when the whole volume is one multi-frame instance. */
export interface SeriesVolume extends VolumeGrid {
  /** Frame index of each grid slice (slice 0 first), for a single multi-frame instance. */
  frameOrder: number[] | undefined;
}

/**
 * The voxel grid of a series from its images' geometry. One multi-frame file is a volume of its
 * frames, ordered by their positions when every frame has one; several files must each be one
 * positioned slice of one regular grid.
 */
export function seriesVolume(images: readonly ImageGeometry[]): SeriesVolume {
  const first = images[0];
  if (!first) throw new DelineateError('DLN_DICOM_INVALID', 'A volume needs at least one slice');
  if (images.length === 1 && first.frames > 1) {
    if (first.positioned) {
      const grid = volumeGrid(first.positioned);
      return { ...grid, frameOrder: grid.order };
    }
    const grid = volumeGrid([first.nominal]);
    const order = Array.from({ length: first.frames }, (_, i) => i);
    return { ...grid, slices: first.frames, spacing: [grid.spacing[0], grid.spacing[1], first.frameStep ?? 1], order, frameOrder: order };
  }
  if (images.some((image) => image.frames > 1 || !image.positioned)) {
    if (images.length > 1) throw new DelineateError('DLN_DICOM_INVALID', 'A series of several projection or multi-frame files has no single voxel grid');
    return { ...volumeGrid([first.nominal]), frameOrder: undefined };
  }
  return { ...volumeGrid(images.map((image) => image.positioned![0]!)), frameOrder: undefined };
}
