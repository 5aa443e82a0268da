import { z } from 'zod';
import { Id, Sha256Hex, Timestamp } from './common';

/** One row of a video's frame table: frames are addressed by `index`, never by a container's count. */
export const VideoFrame = z.object({
  index: z.number().int().min(0),
  /** Presentation timestamp in the stream's time base. */
  pts: z.number().int(),
  timeSeconds: z.number(),
  keyFrame: z.boolean(),
  /** SHA-256 of the decoded frame's pixels (after any redaction). */
  sha256: Sha256Hex,
});
export type VideoFrame = z.infer<typeof VideoFrame>;

/** A video as the workspace needs it: its grid, its playable proxy, its thumbnails. */
export const VideoSummary = z.object({
  id: Id,
  itemId: Id,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  frameCount: z.number().int().positive(),
  framesPerSecond: z.number().positive(),
  durationSeconds: z.number().min(0),
  proxyWidth: z.number().int().positive(),
  proxyHeight: z.number().int().positive(),
  sourceFormat: z.string(),
  thumbnails: z.array(z.object({ frameIndex: z.number().int().min(0), hash: Sha256Hex })),
});
export type VideoSummary = z.infer<typeof VideoSummary>;

export const propagationMethods = ['copy', 'interpolation', 'optical_flow', 'model'] as const;

/** What a track says about one frame: drawn there, carried from a keyframe, interpolated, or the object is not in view. */
export const TrackFrameState = z.discriminatedUnion('state', [
  z.object({ state: z.literal('keyframe') }),
  z.object({ state: z.literal('propagated'), method: z.enum(propagationMethods), confidence: z.number().min(0).max(1) }),
  z.object({ state: z.literal('interpolated') }),
  z.object({ state: z.literal('outside') }),
]);
export type TrackFrameState = z.infer<typeof TrackFrameState>;
export const trackFrameStates = ['keyframe', 'propagated', 'interpolated', 'outside'] as const;
export const trackFrameStateWords: Readonly<Record<TrackFrameState['state'], string>> = {
  keyframe: 'Keyframe',
  propagated: 'Propagated',
  interpolated: 'Interpolated',
  outside: 'Not in view',
};

/** A frame's mask as row-major run lengths, alternating background and object, starting with background. */
export const FrameRuns = z.array(z.number().int().min(0)).max(200_000);

export const TrackFrame = z.object({
  frame: z.number().int().min(0),
  status: TrackFrameState,
  /** Absent for frames marked outside. */
  runs: FrameRuns.optional(),
});
export type TrackFrame = z.infer<typeof TrackFrame>;

/** A save of a whole track: the frames it covers (others are outside); the previous version for compare-and-set. */
export const TrackSaveRequest = z.object({
  labelValue: z.number().int().min(1).max(255),
  name: z.string().min(1).max(80),
  parentVersion: z.number().int().min(0),
  frames: z.array(TrackFrame).max(100_000),
});
export type TrackSaveRequest = z.infer<typeof TrackSaveRequest>;

export const VideoTrack = z.object({
  id: Id,
  itemId: Id,
  labelValue: z.number().int(),
  name: z.string(),
  version: z.number().int().min(1),
  authorId: Id.nullable(),
  updatedAt: Timestamp,
  frames: z.array(TrackFrame),
});
export type VideoTrack = z.infer<typeof VideoTrack>;

/** Per-frame quality flags the endoscopist sets; they describe the frame, not an object. */
export const frameFlags = ['blur', 'bubbles', 'out_of_body'] as const;
export const FrameFlag = z.enum(frameFlags);
export type FrameFlag = z.infer<typeof FrameFlag>;
export const frameFlagWords: Readonly<Record<FrameFlag, string>> = { blur: 'Blurred', bubbles: 'Bubbles', out_of_body: 'Out of body' };
export const FrameFlagsRequest = z.object({ frame: z.number().int().min(0), flags: z.array(FrameFlag).max(frameFlags.length) });
export type FrameFlagsRequest = z.infer<typeof FrameFlagsRequest>;
