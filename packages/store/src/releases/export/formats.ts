import { gridOf, type Grid } from '@delineate/core';
import { encodeNifti, niftiAffineFromGeometry } from '@delineate/formats';
import type { LabelSchema, ManifestItem, Release, ReleaseManifestV2, VideoFrame, VideoTrack } from '@delineate/schema';
import { msdLayout } from './layouts/msd';
import { nnunetLayout } from './layouts/nnunet';
import { fundusExportFormat } from '../../fundus/export-format';
import { cineNiftiFormat, cineSegFormat } from './cine-formats';
import { ophthalmicSegFormat } from './ophthalmic-seg-format';
import { rtstructExportFormat } from './rtstruct-format';
import { segBinaryFormat, segFractionalFormat, segLabelmapFormat } from './seg-formats';
import { cocoFieldsFormat, omeZarrSlideFormat, qupathGeoJsonFormat, segSlideFormat } from './slide-formats';
import type { SlideRegionWork } from './slide-work';
import type { ArchiveFile } from './tar';
import { videoCocoFormat, videoTracksFormat } from './video-formats';

/** One label's soft labels of a multi-reader item, decoded on the item's grid. */
export interface SoftLabelVolumes {
  readonly labelKey: string;
  readonly labelValue: number;
  readonly readers: number;
  /** Readers who drew the label, per voxel. */
  readonly votes: Uint8Array;
  /** Binary STAPLE probability as round(255 p), per voxel. */
  readonly staple: Uint8Array;
}

/** What a format gets for one released item; files go under `folder`. */
export interface ExportItemInput {
  readonly releaseId: string;
  readonly manifest: ReleaseManifestV2;
  /** The pinned label schema version: names and codes of the labels. */
  readonly labelSchema: LabelSchema;
  /** The release's freeze time: the only date an export writes. */
  readonly frozenAt: Date;
  /** The platform's name and version, written as the software that made the files. */
  readonly tool: { readonly name: string; readonly version: string };
  readonly item: ManifestItem;
  readonly grid: Grid;
  /** The released label map on `grid` (empty for a video: its masks are its tracks', read through `video`). */
  readonly mask: Uint8Array;
  readonly soft: readonly SoftLabelVolumes[];
  readonly folder: string;
  /** The item's de-identified source instances in manifest order (formats that reference them, e.g. DICOM SEG). */
  readonly sourceInstances: () => Promise<Uint8Array[]>;
  /** Each reader's released label map, in the manifest's reading order. */
  readonly readerMasks: () => Promise<Uint8Array[]>;
  /** A video item's decoded frame table and its tracks at the released versions. */
  readonly video?: () => Promise<{ frames: VideoFrame[]; tracks: VideoTrack[] }>;
  /** A slide region item's region, fields and each reader's cells (slide region items only). */
  readonly slideRegion?: () => Promise<SlideRegionWork>;
}

/**
 * What a release item is, as formats take them: a volume (series, photo, and a slide region as one
 * image of its box, which volume formats skip by their `skipReason`), a cardiac cine, a video.
 */
export type ReleaseItemKind = 'volume' | 'cine' | 'video';

export function releaseItemKind(item: Pick<ManifestItem, 'cine' | 'video'>): ReleaseItemKind {
  return item.video ? 'video' : item.cine ? 'cine' : 'volume';
}

/** What a layout gets to write its dataset-level files; `listing` is the default dataset.json's content. */
export interface ExportDatasetInput {
  readonly release: Release;
  readonly manifest: ReleaseManifestV2;
  readonly listing: Record<string, unknown>;
}

/**
 * One export format: the files it writes per item. Every export also carries `manifest.json`,
 * `dataset.json` and a provenance JSON per item, whatever the format.
 */
export interface ReleaseExportFormat {
  readonly key: string;
  readonly title: string;
  /** The kinds of item it writes files for (default volumes); other items get their provenance JSON only. */
  readonly itemKinds?: readonly ReleaseItemKind[];
  itemFiles(input: ExportItemInput): Promise<ArchiveFile[]>;
  /** Why this format writes nothing for an item, in words (listed in dataset.json), or null when it does. */
  skipReason?(item: ManifestItem): string | null;
  /** Where an item's provenance JSON goes (default `{split}/{itemId}`); training layouts keep their roots clean. */
  itemFolder?(item: ManifestItem): string;
  /** A layout's own dataset-level files (e.g. nnU-Net's dataset.json); they replace the default dataset.json. */
  datasetFiles?(input: ExportDatasetInput): ArchiveFile[];
}

export function itemGridOf(item: ManifestItem): Grid {
  return gridOf(item.geometry.dims, item.geometry.spacing);
}

/**
 * NIfTI-1 `.nii.gz`: the label map (uint8), and for multi-reader items per label the fraction of
 * readers (float32, exact) and the STAPLE probability (uint8 with scl_slope 1/255). sform and qform
 * both come from the series' DICOM geometry (niftiAffineFromGeometry).
 */
export const niftiExportFormat: ReleaseExportFormat = {
  key: 'nifti',
  title: 'NIfTI-1 label maps and soft-label maps',
  async itemFiles({ item, grid, mask, soft, folder }) {
    const affine = niftiAffineFromGeometry(item.geometry);
    const files: ArchiveFile[] = [{ path: `${folder}/label.nii.gz`, bytes: encodeNifti({ grid, data: mask, affine }, { gzip: true }) }];
    for (const s of soft) {
      const fraction = new Float32Array(s.votes.length);
      for (let i = 0; i < fraction.length; i++) fraction[i] = (s.votes[i] ?? 0) / s.readers;
      files.push({ path: `${folder}/soft/${s.labelKey}_reader_fraction.nii.gz`, bytes: encodeNifti({ grid, data: fraction, affine }, { gzip: true }) });
      files.push({ path: `${folder}/soft/${s.labelKey}_staple.nii.gz`, bytes: encodeNifti({ grid, data: s.staple, affine, sclSlope: 1 / 255 }, { gzip: true }) });
    }
    return files;
  },
};

/** The export formats by key: each format is one entry (DICOM SEG over `writeSegmentation` of @delineate/formats; the training layouts of issue 25; the slide region formats of issue 17). */
export const releaseExportFormats: Readonly<Record<string, ReleaseExportFormat>> = Object.fromEntries(
  [niftiExportFormat, segBinaryFormat, segFractionalFormat, segLabelmapFormat, nnunetLayout, msdLayout, rtstructExportFormat, fundusExportFormat, ophthalmicSegFormat, cineNiftiFormat, cineSegFormat, videoCocoFormat, videoTracksFormat, omeZarrSlideFormat, qupathGeoJsonFormat, cocoFieldsFormat, segSlideFormat].map((f) => [f.key, f]),
);
