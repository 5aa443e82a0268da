import type { Kysely } from 'kysely';
import { lesionDetectionF1, presenceIntervalIou, sampledFrameDice, temporalConsistency } from '@delineate/core';
import type { VideoTrack } from '@delineate/schema';
import type { BlobStore } from '../blob/types';
import type { DB } from '../sql/tables';
import { trackMasksOf } from './exports';
import { VideoTrackStore } from './tracks';
import { videoForItem } from './videos';

/** The video section of an agreement report between two readers' tracks on one item. */
export interface VideoAgreement {
  readonly conventions: { readonly sampledFrames: string; readonly detection: string; readonly pairing: string };
  readonly sampledFrames: readonly number[];
  readonly tracks: readonly { readonly name: string; readonly dice: number; readonly presenceIou: number }[];
  readonly temporal: readonly { readonly reader: 'a' | 'b'; readonly name: string; readonly meanIou: number; readonly meanAreaChange: number; readonly maxAreaChange: number }[];
  readonly detection: { readonly f1: number; readonly precision: number; readonly recall: number; readonly truePositives: number; readonly falsePositives: number; readonly falseNegatives: number };
}

/** Frames about one a second apart, from the first: where Dice is measured. */
export function sampledFrameIndices(frameCount: number, framesPerSecond: number): number[] {
  const stride = Math.max(1, Math.round(framesPerSecond));
  const frames: number[] = [];
  for (let f = 0; f < frameCount; f += stride) frames.push(f);
  return frames;
}

/**
 * Agreement between reader A's and reader B's tracks of one video item: Dice on sampled frames and
 * presence-interval IoU for tracks paired by label (the first of each label on each side),
 * temporal consistency of every track, and lesion-level detection F1 with A as reference.
 */
export async function videoAgreement(db: Kysely<DB>, blobs: BlobStore, itemId: string, readerA: string, readerB: string): Promise<VideoAgreement> {
  const video = await videoForItem(db, itemId);
  const all = await new VideoTrackStore(db, blobs).list(itemId);
  const of = (reader: string) => all.filter((t) => t.authorId === reader);
  return videoAgreementOf(video, of(readerA), of(readerB));
}

/** The same, on given tracks of each reader (a release's versions, or the heads). */
export function videoAgreementOf(video: { readonly width: number; readonly height: number; readonly frameCount: number; readonly framesPerSecond: number }, a: readonly VideoTrack[], b: readonly VideoTrack[]): VideoAgreement {
  const masks = (t: VideoTrack) => trackMasksOf(t, video.width, video.height);
  const sampled = sampledFrameIndices(video.frameCount, video.framesPerSecond);
  const tracks = a.flatMap((ta) => {
    const tb = b.find((t) => t.labelValue === ta.labelValue);
    if (!tb) return [];
    return [{ name: ta.name, dice: sampledFrameDice(masks(ta), masks(tb), sampled, video.width * video.height).mean, presenceIou: presenceIntervalIou(masks(ta), masks(tb)) }];
  });
  const temporal = [...a.map((t) => ['a', t] as const), ...b.map((t) => ['b', t] as const)].map(([reader, t]) => {
    const c = temporalConsistency(masks(t));
    return { reader, name: t.name, meanIou: c.meanIou, meanAreaChange: c.meanAreaChange, maxAreaChange: c.maxAreaChange };
  });
  const d = lesionDetectionF1(a.map(masks), b.map(masks));
  return {
    conventions: {
      sampledFrames: 'every round(frames per second)-th frame of the frame table from frame 0; Dice undefined (left out of the mean) where both masks are empty',
      detection: `a lesion is found when a track's spatio-temporal IoU with it is at least ${d.minTubeIou}; greedy one-to-one matching by IoU; reader A is the reference`,
      pairing: 'tracks paired by label, the first track of each label on each side',
    },
    sampledFrames: sampled,
    tracks,
    temporal,
    detection: { f1: d.f1, precision: d.precision, recall: d.recall, truePositives: d.truePositives, falsePositives: d.falsePositives, falseNegatives: d.falseNegatives },
  };
}
