import { useEffect, useRef } from 'react';
import type { VideoTrack } from '@delineate/schema';
import { legend, stateColours, timelineOf } from './video-model';

/** One track's strip: a pixel column per frame in its state's colour (a canvas, as clips run to thousands of frames). */
function Strip(props: { track: VideoTrack; frameCount: number; frame: number; onPick(frame: number): void }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    timelineOf(props.track, props.frameCount).forEach((state, i) => {
      ctx.fillStyle = stateColours[state];
      ctx.fillRect(i, 0, 1, 10);
    });
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(props.frame, 0, 1, 10);
  }, [props.track, props.frameCount, props.frame]);
  return (
    <div style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
      <span style={{ minWidth: 90 }}>{props.track.name}</span>
      <canvas
        ref={ref}
        width={props.frameCount}
        height={10}
        aria-label={`Frame states of ${props.track.name}`}
        style={{ flex: 1, height: 14, imageRendering: 'pixelated', cursor: 'pointer' }}
        onClick={(e) => {
          const box = e.currentTarget.getBoundingClientRect();
          props.onPick(Math.floor(((e.clientX - box.left) / box.width) * props.frameCount));
        }}
      />
    </div>
  );
}

/** Every track's per-frame states along the clip, with the legend in words. */
export function TrackTimelines(props: { tracks: readonly VideoTrack[]; frameCount: number; frame: number; onPick(frame: number): void }) {
  return (
    <div className="video-timelines">
      {props.tracks.length === 0 && <div>No tracks yet: paint on a frame and mark it as a keyframe.</div>}
      {props.tracks.map((t) => (
        <Strip key={t.id} track={t} frameCount={props.frameCount} frame={props.frame} onPick={props.onPick} />
      ))}
      <div className="video-legend" style={{ display: 'flex', gap: 12 }}>
        {legend.map((l) => (
          <span key={l.state}>
            <span style={{ display: 'inline-block', width: 10, height: 10, background: l.colour, marginRight: 4 }} />
            {l.words}
          </span>
        ))}
      </div>
    </div>
  );
}
