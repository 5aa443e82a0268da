import { z } from 'zod';
import { Id, Timestamp } from './common';

/** Where an OCT volume came from. */
export const octSources = ['dicom', 'heyex_vol', 'heyex_xml'] as const;
export const OctSource = z.enum(octSources);
export type OctSource = z.infer<typeof OctSource>;

/** The sampling of an OCT volume item (a series of B-scans) in µm, and its eye. */
export const OctVolume = z.object({
  itemId: Id,
  seriesId: Id,
  bscans: z.number().int().min(1),
  ascans: z.number().int().min(1),
  rows: z.number().int().min(1),
  ascanSpacingUm: z.number().positive(),
  bscanSpacingUm: z.number().positive(),
  axialUmPerPixel: z.number().positive(),
  laterality: z.enum(['OD', 'OS']),
  source: OctSource,
  /** A fovea point set by a person; the measures otherwise use the thinnest central point. */
  fovea: z.object({ bscan: z.number().int().min(0), ascan: z.number().int().min(0) }).nullable(),
});
export type OctVolume = z.infer<typeof OctVolume>;

/** Who wrote a boundary revision: a person, a reviewer's correction, or an import from a device export. */
export const OctBoundarySource = z.enum(['human', 'correction', 'import']);
export type OctBoundarySource = z.infer<typeof OctBoundarySource>;

/** One revision of an annotation's boundary heights (the heights are its blob). */
export const OctBoundaryRevision = z.object({
  annotationId: Id,
  version: z.number().int().min(1),
  parentVersion: z.number().int().min(1).nullable(),
  authorUserId: Id.nullable(),
  source: OctBoundarySource,
  blobHash: z.string(),
  createdAt: Timestamp,
});
export type OctBoundaryRevision = z.infer<typeof OctBoundaryRevision>;
