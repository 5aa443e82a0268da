import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSlideLabelOrOverview, slideCompositionFromDicom } from '@delineate/deid';
import { decodePixels, decodeString, getNumber, getString, loadWasmCodecs, readDicomFile, readPixelSource, walkDatasets, writeTiffTo, type DicomDataset, type PixelSource } from '@delineate/formats';
import { DelineateError } from '@delineate/schema';
import type { SlideSourceProperties } from '@delineate/wsi';

const tag = {
  sopClassUid: 0x00080016,
  seriesUid: 0x0020000e,
  totalColumns: 0x00480006,
  totalRows: 0x00480007,
  dimensionOrganizationType: 0x00209311,
  perFrameGroups: 0x52009230,
  sharedGroups: 0x52009229,
  planePositionSlide: 0x0048021a,
  columnPosition: 0x0048021e,
  rowPosition: 0x0048021f,
  pixelMeasures: 0x00289110,
  pixelSpacing: 0x00280030,
  opticalPath: 0x00480105,
  objectiveLensPower: 0x00480112,
} as const;

const VL_WHOLE_SLIDE = '1.2.840.10008.5.1.4.1.1.77.1.6';
/** Value representations that carry free text or names: what the output must never contain. */
const TEXT_VRS = new Set(['PN', 'LO', 'SH', 'LT', 'ST', 'UT', 'DA', 'DT', 'TM', 'AE', 'UC']);

interface Instance {
  readonly dataset: DicomDataset;
  readonly bytes: Uint8Array;
}

function item(dataset: DicomDataset | undefined, sequence: number): DicomDataset | undefined {
  return dataset?.get(sequence)?.items?.[0];
}

/** Every free-text value of the instances, label and overview included: searched for in the output. */
function identifyingValues(instances: readonly Instance[]): string[] {
  const values = new Set<string>();
  for (const { dataset } of instances)
    for (const ds of walkDatasets(dataset))
      for (const element of ds.elements.values())
        if (TEXT_VRS.has(element.vr) && element.value)
          for (const part of decodeString(element.value).split('\\')) if (part.trim().length >= 3) values.add(part.trim());
  return [...values];
}

function properties(base: DicomDataset): SlideSourceProperties {
  const measures = item(item(base, tag.sharedGroups), tag.pixelMeasures);
  const spacing = measures?.get(tag.pixelSpacing)?.value;
  // Pixel Spacing is row spacing (down) then column spacing (across), in mm.
  const [down, across] = spacing ? decodeString(spacing).split('\\').map((v) => Number.parseFloat(v) * 1000) : [];
  const lens = item(base, tag.opticalPath);
  const power = lens ? getNumber(lens, tag.objectiveLensPower) : undefined;
  const positive = (v: number | undefined) => (v !== undefined && Number.isFinite(v) && v > 0 ? v : null);
  return { mppX: positive(across), mppY: positive(down), magnification: positive(power) };
}

/** Where each frame's tile goes (column, row in tiles): by position for TILED_SPARSE, in row-major order for TILED_FULL. */
function framePlacement(dataset: DicomDataset, frames: number, tileWidth: number, tileHeight: number, tilesAcross: number, tilesDown: number): Map<number, number> {
  const placement = new Map<number, number>();
  const sparse = getString(dataset, tag.dimensionOrganizationType)?.trim() !== 'TILED_FULL';
  const perFrame = dataset.get(tag.perFrameGroups)?.items ?? [];
  for (let frame = 0; frame < frames; frame++) {
    let column: number;
    let row: number;
    if (sparse) {
      const position = item(perFrame[frame], tag.planePositionSlide);
      const x = position ? getNumber(position, tag.columnPosition) : undefined;
      const y = position ? getNumber(position, tag.rowPosition) : undefined;
      if (x === undefined || y === undefined) throw new DelineateError('DLN_SLIDE_UNREADABLE', 'A TILED_SPARSE frame has no position in the total pixel matrix');
      column = Math.floor((x - 1) / tileWidth);
      row = Math.floor((y - 1) / tileHeight);
    } else {
      column = frame % tilesAcross;
      row = Math.floor(frame / tilesAcross);
    }
    // Frames past the first focal plane and optical path repeat the grid: the first is kept.
    if (row >= tilesDown || column >= tilesAcross || row < 0 || column < 0) continue;
    const key = row * tilesAcross + column;
    if (!placement.has(key)) placement.set(key, frame);
  }
  return placement;
}

/**
 * Writes the base level of a DICOM whole-slide series as an uncompressed RGB TIFF, one strip per
 * row of tiles decoded at a time (so memory holds one row), with absent TILED_SPARSE tiles white.
 */
function writeBaseLevel(source: PixelSource, dataset: DicomDataset, output: string): void {
  const d = source.description;
  if (d.samplesPerPixel !== 3 || d.bitsAllocated !== 8) throw new DelineateError('DLN_SLIDE_UNSUPPORTED', 'Only 8-bit colour DICOM slides are converted');
  const width = getNumber(dataset, tag.totalColumns) ?? d.columns;
  const height = getNumber(dataset, tag.totalRows) ?? d.rows;
  const tilesAcross = Math.ceil(width / d.columns);
  const tilesDown = Math.ceil(height / d.rows);
  const placement = framePlacement(dataset, d.numberOfFrames, d.columns, d.rows, tilesAcross, tilesDown);
  const strip = (row: number): Uint8Array => {
    const stripHeight = Math.min(d.rows, height - row * d.rows);
    const out = new Uint8Array(width * stripHeight * 3).fill(255);
    for (let column = 0; column < tilesAcross; column++) {
      const frame = placement.get(row * tilesAcross + column);
      if (frame === undefined) continue;
      const pixels = decodePixels(source, [frame]).frames[0]!;
      const copy = Math.min(d.columns, width - column * d.columns) * 3;
      for (let y = 0; y < stripHeight; y++) out.set(pixels.subarray(y * d.columns * 3, y * d.columns * 3 + copy), (y * width + column * d.columns) * 3);
    }
    return out;
  };
  const fd = openSync(output, 'w');
  try {
    writeTiffTo(
      [
        {
          entries: [
            { tag: 256, type: 4, value: [width] },
            { tag: 257, type: 4, value: [height] },
            { tag: 258, type: 3, value: [8, 8, 8] },
            { tag: 259, type: 3, value: [1] },
            { tag: 262, type: 3, value: [2] },
            { tag: 277, type: 3, value: [3] },
            { tag: 278, type: 4, value: [d.rows] },
            { tag: 284, type: 3, value: [1] },
          ],
          blocks: Array.from({ length: tilesDown }, (_, row) => ({ length: width * Math.min(d.rows, height - row * d.rows) * 3, bytes: () => strip(row) })),
          tiled: false,
        },
      ],
      (chunk) => {
        let done = 0;
        while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done);
      },
      { bigTiff: width * height * 3 > 0xf0000000 },
    );
  } finally {
    closeSync(fd);
  }
}

/**
 * The instances of one DICOM whole-slide series, ready for conversion: label and overview
 * instances left out (they show handwriting and barcodes), the base level (largest total pixel
 * matrix) written as a plain TIFF for vips, every free-text value of every instance kept for the
 * output check, pixel size and objective read from the base level.
 */
export async function prepareDicomSlide(paths: readonly string[], work: string) {
  const instances: Instance[] = [];
  for (const path of paths) {
    const bytes = new Uint8Array(await readFile(path));
    const { dataset } = readDicomFile(bytes);
    if (getString(dataset, tag.sopClassUid) !== VL_WHOLE_SLIDE) throw new DelineateError('DLN_SLIDE_UNSUPPORTED', 'Only VL Whole Slide Microscopy instances form a DICOM slide');
    instances.push({ dataset, bytes });
  }
  const series = new Set(instances.map((i) => getString(i.dataset, tag.seriesUid)));
  if (series.size !== 1) throw new DelineateError('DLN_SLIDE_UNSUPPORTED', 'A DICOM slide is the instances of one series');
  const removed = instances.flatMap((instance, index) => (isSlideLabelOrOverview(instance.dataset) ? [{ path: `instance[${index}]`, action: 'X-label-or-overview' }] : []));
  const volumes = instances.filter((instance) => !isSlideLabelOrOverview(instance.dataset));
  const base = volumes.reduce<Instance | undefined>((best, i) => (!best || (getNumber(i.dataset, tag.totalColumns) ?? 0) > (getNumber(best.dataset, tag.totalColumns) ?? 0) ? i : best), undefined);
  if (!base) throw new DelineateError('DLN_SLIDE_UNREADABLE', 'The DICOM slide has no image besides its label and overview');
  const source = readPixelSource(base.bytes);
  if (!source) throw new DelineateError('DLN_SLIDE_UNREADABLE', 'The DICOM slide has no pixel data');
  await loadWasmCodecs();
  const convertPath = join(work, 'base.tif');
  writeBaseLevel(source, base.dataset, convertPath);
  const composition = slideCompositionFromDicom(base.dataset);
  return {
    convertPath,
    /** The base level's data set: its SEG source facts are kept (pseudonymised) for DICOM SEG exports. */
    base: base.dataset,
    openSlide: false,
    sourceValues: identifyingValues(instances),
    properties: properties(base.dataset),
    format: 'dicom',
    composition: { ...(composition.stain ? { stain: composition.stain } : {}), ...(composition.scanner ? { scanner: composition.scanner } : {}) },
    removed,
  };
}
