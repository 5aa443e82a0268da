import type { FrameFlag, TrackSaveRequest, VideoFrame, VideoSummary, VideoTrack } from '@delineate/schema';
import { json, post, put } from '../../api';

/** The video routes the workspace uses (issue 21). */
export const videoApi = {
  video: (itemId: string) => json<VideoSummary>(`/api/videos/${itemId}`),
  frames: (itemId: string) => json<VideoFrame[]>(`/api/videos/${itemId}/frames`),
  proxyUrl: (itemId: string) => `/api/videos/${itemId}/proxy.mp4`,
  tracks: (itemId: string) => json<VideoTrack[]>(`/api/videos/${itemId}/tracks`),
  createTrack: (itemId: string, body: TrackSaveRequest) => post<VideoTrack>(`/api/videos/${itemId}/tracks`, body),
  saveTrack: (itemId: string, trackId: string, body: TrackSaveRequest) => put<VideoTrack>(`/api/videos/${itemId}/tracks/${trackId}`, body),
  interpolate: (itemId: string, trackId: string, fromFrame: number, parentVersion: number) =>
    post<VideoTrack>(`/api/videos/${itemId}/tracks/${trackId}/interpolate`, { fromFrame, parentVersion }),
  flags: (itemId: string) => json<{ frame: number; flags: FrameFlag[] }[]>(`/api/videos/${itemId}/flags`),
  setFlags: (itemId: string, frame: number, flags: FrameFlag[]) => put<{ frame: number; flags: FrameFlag[] }[]>(`/api/videos/${itemId}/flags`, { frame, flags }),
};
