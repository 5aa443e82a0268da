import { json, post, put } from '../../api';

/** A cine item's 4-D shape (GET /api/items/:id/cine). */
export interface CineShapeView {
  slices: number;
  phases: number;
  triggerTimes: (number | null)[];
  sliceSpacing: number;
}

export interface VentricleView {
  edv: number;
  esv: number;
  sv: number;
  ef: number;
}

/** One reader's reading: curves per phase, ED/ES with who set them, measures with their conventions. */
export interface CardiacReadingView {
  annotationId: string;
  version: number;
  curves: { lv_blood_pool: number[]; lv_myocardium: number[]; rv_blood_pool: number[] };
  designation: { edPhase: number; esPhase: number; source: 'lv_volume_curve' | 'reader'; setBy: string | null; setAt: string } | null;
  measures: { lv: VentricleView; rv: VentricleView; lvMyocardialVolumeEd: number; lvMassEd: number; conventions: Record<string, unknown> } | null;
  labelConventions: Record<string, string>;
}

export type ContourKind = 'lvEndocardium' | 'lvEpicardium' | 'rvEndocardium';
export type SliceContours = Partial<Record<ContourKind, number[]>>;

export const cineApi = {
  shape: (itemId: string) => json<CineShapeView>(`/api/items/${itemId}/cine`),
  reading: (annotationId: string) => json<CardiacReadingView>(`/api/annotations/${annotationId}/cardiac`),
  /** Saves contours as the next revision; someone's newer save is refused (412) and shown in words. */
  saveContours: (annotationId: string, expectedVersion: number, contours: ({ slice: number; phase: number } & SliceContours)[]) =>
    post<{ revision: { version: number } }>(`/api/annotations/${annotationId}/cardiac/contours`, { contours }, { 'If-Match': `"${expectedVersion}"`, 'Idempotency-Key': crypto.randomUUID() }),
  designate: (annotationId: string, edPhase: number, esPhase: number) => put<NonNullable<CardiacReadingView['designation']>>(`/api/annotations/${annotationId}/cardiac/phases`, { edPhase, esPhase }),
};
