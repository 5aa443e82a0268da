/** The OCT routes the workspace reads (apps/server routes/oct). */
import { decodeBoundarySet, emptyBoundarySet, type BoundarySet, type OctGeometry } from '@delineate/core';
import { json, request } from '../../api';

/** An OCT item's sampling as the server reports it, with its fovea when one is set. */
export interface OctVolumeView extends OctGeometry {
  itemId: string;
  fovea: { bscan: number; ascan: number } | null;
}

export interface SectorView {
  meanUm: number | null;
  ascans: number;
}

export interface SlabMeasuresView {
  top: string;
  bottom: string;
  meanUm: number | null;
  valuedAScans: number;
  centralSubfieldUm: number | null;
  etdrs: Record<string, SectorView>;
}

export interface OctMeasuresView {
  fovea: { bscan: number; ascan: number } | null;
  foveaFrom: 'set' | 'thinnest_central_point' | 'none';
  retina: SlabMeasuresView;
  slabs: SlabMeasuresView[];
}

export interface BoundaryRevisionView {
  version: number;
  authorUserId: string | null;
  createdAt: string;
}

/** Each B-scan's line on the localizer ((row, column) in its pixels) and the localizer's item, when ingested. */
export interface OctLocalizerView {
  localizerItemId: string | null;
  width: number | null;
  height: number | null;
  lines: Array<{ start: [number, number]; end: [number, number] }>;
}

export const octApi = {
  localizer: (itemId: string) => json<OctLocalizerView>(`/api/items/${itemId}/oct/localizer`),
  volume: (itemId: string) => json<OctVolumeView>(`/api/items/${itemId}/oct`),
  revisions: (annotationId: string) => json<{ revisions: BoundaryRevisionView[] }>(`/api/annotations/${annotationId}/oct/boundaries`),
  measures: (annotationId: string, version: number) => json<{ measures: OctMeasuresView }>(`/api/annotations/${annotationId}/oct/boundaries/${version}/measures`),
  /** A revision's heights, or an empty set before the first save. */
  async boundaries(annotationId: string, version: number, volume: OctVolumeView): Promise<BoundarySet> {
    if (version === 0) return emptyBoundarySet(volume.bscans, volume.ascans);
    const res = await request(`/api/annotations/${annotationId}/oct/boundaries/${version}`);
    const decoded = decodeBoundarySet(new Uint8Array(await res.arrayBuffer()));
    if (!decoded.ok) throw new Error(`The stored boundary heights do not decode (${decoded.reason})`);
    return decoded.set;
  },
};
