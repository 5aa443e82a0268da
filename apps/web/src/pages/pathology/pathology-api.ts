import type {
  BoundaryReview,
  Cell,
  CellEdit,
  CreateSlideRegionRequest,
  FieldProgress,
  FieldState,
  SlideRegion,
  TaskField,
  WorkflowTask,
} from '@delineate/schema';
import { errorOf, json, post, put, request } from '../../api';

// The pathology API (apps/server/src/routes/pathology/README.md) as the web app uses it.

export type { BoundaryReview, Cell, CellEdit, FieldProgress, FieldState, SlideRegion, TaskField };

export interface SlideTask {
  task: WorkflowTask;
  region: SlideRegion;
  fields: TaskField[];
  progress: FieldProgress;
}

export interface PathologyWorkRow {
  task: WorkflowTask;
  magnification: number;
  progress: FieldProgress;
}

/** One region's row of the agreement report (RegionAgreement in packages/store/src/pathology/agreement.ts). */
export interface RegionAgreement {
  regionId: string;
  itemId: string;
  readers: { taskId: string; readerId: string | null }[];
  cells: {
    classKey: string;
    className: string;
    radiusUm: number;
    pairs: { a: number; b: number; matched: number; countA: number; countB: number; precision: number | null; recall: number | null; f1: number | null }[];
    countIcc: number | null;
    consensus: { x: number; y: number; votes: number }[];
  }[];
  tissue: { labelKey: string; labelName: string; magnification: number; pairs: { a: number; b: number; dice: number | null }[] }[];
}

const task = (taskId: string) => `/api/workflow/tasks/${taskId}/pathology`;

export const pathologyApi = {
  regions: (slideItemId: string) => json<{ regions: SlideRegion[] }>(`/api/items/${slideItemId}/pathology/regions`),
  createRegion: (slideItemId: string, body: CreateSlideRegionRequest) =>
    post<{ region: SlideRegion; tasks: { task: WorkflowTask; fields: number }[] }>(`/api/items/${slideItemId}/pathology/regions`, body),
  workList: (projectId: string) => json<{ tasks: PathologyWorkRow[] }>(`/api/projects/${projectId}/pathology/work-list`),
  task: (taskId: string) => json<SlideTask>(task(taskId)),
  setField: (taskId: string, index: number, state: FieldState) => put<TaskField>(`${task(taskId)}/fields/${index}`, { state }),
  cells: (taskId: string, box: { x0: number; y0: number; x1: number; y1: number }) =>
    json<{ version: number; cells: Cell[] }>(`${task(taskId)}/cells?x0=${box.x0}&y0=${box.y0}&x1=${box.x1}&y1=${box.y1}`),
  /** A batch of edits on top of `version`; someone else's newer batch is 412 (DLN_REVISION_STALE). */
  async editCells(taskId: string, version: number, edits: readonly CellEdit[]): Promise<{ version: number; count: number; added: number[] }> {
    const res = await request(`${task(taskId)}/cells`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'If-Match': `"${version}"` },
      body: JSON.stringify({ edits }),
    });
    if (!res.ok) throw await errorOf(res);
    return (await res.json()) as { version: number; count: number; added: number[] };
  },
  startBoundaryReview: (taskId: string, body: { between: [string, string]; bandUm: number; fieldSizeUm: number }) =>
    post<BoundaryReview>(`${task(taskId)}/boundary-reviews`, body),
  boundaryReviews: (taskId: string) => json<{ reviews: BoundaryReview[] }>(`${task(taskId)}/boundary-reviews`),
  setBoundaryField: (taskId: string, reviewId: string, index: number, state: 'seen' | 'accepted' | 'edited') =>
    put<BoundaryReview>(`${task(taskId)}/boundary-reviews/${reviewId}/fields/${index}`, { state }),
  signBoundaryReview: (taskId: string, reviewId: string, password: string) =>
    post<BoundaryReview>(`${task(taskId)}/boundary-reviews/${reviewId}/sign`, { signature: { password } }),
  agreement: (projectId: string) => json<{ regions: RegionAgreement[] }>(`/api/projects/${projectId}/pathology/agreement`),
};
