import { json, post, request } from '../../api';
import type { Contour, FundusShapes, Point } from './contour-tools';

export interface PhotoInfo {
  itemId: string;
  width: number;
  height: number;
  laterality: 'OD' | 'OS' | null;
  pixelSpacingMm: [number, number] | null;
  levels: number;
}

export interface CdrMeasure {
  convention: 'refuge' | 'extent' | 'ellipse_fit';
  name: string;
  description: string;
  vertical: number | null;
  horizontal: number | null;
}

export interface FundusMeasures {
  cdr: CdrMeasure[];
  areaRatio: number | null;
  discAreaPx: number;
  cupAreaPx: number;
  discAreaMm2: number | null;
  cupAreaMm2: number | null;
  laterality: 'OD' | 'OS' | null;
  rim: { sector: 'inferior' | 'superior' | 'nasal' | 'temporal'; meanPx: number; minimumPx: number; meanMm: number | null; minimumMm: number | null }[];
  pixelSpacingMm: [number, number] | null;
}

export interface FundusRevision {
  annotationId: string;
  version: number;
  disc: Contour | null;
  cup: Contour | null;
  fovea: Point | null;
  measures: FundusMeasures;
}

export const photoInfo = (itemId: string) => json<PhotoInfo>(`/api/items/${itemId}/photo`);

/** One level of the photograph, decoded by the browser. */
export async function photoLevel(itemId: string, level: number): Promise<ImageBitmap> {
  const res = await request(`/api/items/${itemId}/photo/image?level=${level}`);
  return createImageBitmap(await res.blob());
}

export const fundusRevision = (annotationId: string, version: number) => json<FundusRevision>(`/api/annotations/${annotationId}/revisions/${version}/fundus`);

/** Saves the contours as the next revision after `headVersion`; the server refuses a cup outside the disc. */
export function saveFundus(annotationId: string, headVersion: number, shapes: FundusShapes): Promise<FundusRevision> {
  return post<FundusRevision>(`/api/annotations/${annotationId}/fundus`, { disc: shapes.disc, cup: shapes.cup, fovea: shapes.fovea }, { 'If-Match': `"${headVersion}"` });
}
